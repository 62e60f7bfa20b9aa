#!/usr/bin/env python3
"""Renders resources/icons/cortex-console.svg to the PNG sizes shipped beside it.

The PNGs are committed because Qt draws SVG icons only when its SVG plugin (libqt6svg6) is
installed; the PNGs keep the window and desktop icon working without it. Uses librsvg and cairo
through ctypes (Debian: librsvg2-2), so no Python packages are needed. Run after editing the SVG.
"""
import ctypes
import ctypes.util
import pathlib
import sys

SIZES = (16, 32, 48, 64, 128, 256)
HERE = pathlib.Path(__file__).resolve().parent / "icons"


class RsvgRectangle(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double),
                ("width", ctypes.c_double), ("height", ctypes.c_double)]


def load(name):
    path = ctypes.util.find_library(name)
    if not path:
        sys.exit(f"render-icons: lib{name} not found (apt-get install librsvg2-2)")
    return ctypes.CDLL(path)


def main():
    rsvg, cairo, gobject = load("rsvg-2"), load("cairo"), load("gobject-2.0")
    rsvg.rsvg_handle_new_from_file.restype = ctypes.c_void_p
    rsvg.rsvg_handle_new_from_file.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    rsvg.rsvg_handle_render_document.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                                 ctypes.POINTER(RsvgRectangle), ctypes.c_void_p]
    cairo.cairo_image_surface_create.restype = ctypes.c_void_p
    cairo.cairo_create.restype = ctypes.c_void_p
    cairo.cairo_create.argtypes = [ctypes.c_void_p]
    cairo.cairo_surface_write_to_png.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    cairo.cairo_destroy.argtypes = [ctypes.c_void_p]
    cairo.cairo_surface_destroy.argtypes = [ctypes.c_void_p]
    gobject.g_object_unref.argtypes = [ctypes.c_void_p]

    source = HERE / "cortex-console.svg"
    handle = rsvg.rsvg_handle_new_from_file(str(source).encode(), None)
    if not handle:
        sys.exit(f"render-icons: cannot read {source}")
    for size in SIZES:
        surface = cairo.cairo_image_surface_create(0, size, size)  # CAIRO_FORMAT_ARGB32
        context = cairo.cairo_create(surface)
        viewport = RsvgRectangle(0, 0, size, size)
        if not rsvg.rsvg_handle_render_document(handle, context, ctypes.byref(viewport), None):
            sys.exit(f"render-icons: librsvg could not render {source}")
        target = HERE / f"cortex-console-{size}.png"
        cairo.cairo_surface_write_to_png(surface, str(target).encode())
        cairo.cairo_destroy(context)
        cairo.cairo_surface_destroy(surface)
        print(f"wrote {target.relative_to(HERE.parent.parent)}")
    gobject.g_object_unref(handle)


if __name__ == "__main__":
    main()

# Debian package (cortex-vault_<version>_<arch>.deb): `cpack -G DEB` in a configured build dir.
# Included from the top-level CMakeLists.txt after the add_subdirectory() calls. Installs the
# programs (their install(TARGETS) rules live with them), the systemd unit and, with the console,
# its desktop entry and icons.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cortex-vault)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Cortex Vault developers")
set(CPACK_PACKAGE_CONTACT "Cortex Vault developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "secrets vault for AI agents and unattended pipelines")
# One string (CPack turns a list's separators into ';' in the control file).
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "Cortex Vault keeps secrets sealed under a root key that exists only in memory, and hands "
    "them to agent processes without the agent code ever holding them.\n"
    "This package holds the vault server (cortex-server, with a hardened systemd unit) and the "
    "operator console (cortex-console).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "Cortex Vault developers")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps; only run-time plugins, which no binary links
# against, are listed by hand.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(cortex_deb_depends "")
set(cortex_deb_recommends "")
set(cortex_deb_suggests "")

if(CORTEX_BUILD_SERVICE)
    list(APPEND cortex_deb_depends "libqt6sql6-sqlite") # the embedded store (QSQLITE driver)
    list(APPEND cortex_deb_suggests "libqt6sql6-psql")  # clustered storage on PostgreSQL
    install(FILES ${PROJECT_SOURCE_DIR}/installer/cortex-server.service
        DESTINATION lib/systemd/system)
    set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
        ${PROJECT_SOURCE_DIR}/installer/systemd/postinst
        ${PROJECT_SOURCE_DIR}/installer/systemd/prerm
        ${PROJECT_SOURCE_DIR}/installer/systemd/postrm)
    set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
endif()

if(CORTEX_BUILD_CONSOLE)
    list(APPEND cortex_deb_recommends "libqt6svg6") # draws the SVG icon; PNGs are the fallback
    list(APPEND cortex_deb_suggests "qt6-wayland")  # native Wayland instead of XWayland
    install(FILES ${PROJECT_SOURCE_DIR}/resources/cortex-console.desktop
        DESTINATION share/applications)
    install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/cortex-console.svg
        DESTINATION share/icons/hicolor/scalable/apps)
    foreach(size 16 32 48 64 128 256)
        install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/cortex-console-${size}.png
            DESTINATION share/icons/hicolor/${size}x${size}/apps
            RENAME cortex-console.png)
    endforeach()
endif()

list(JOIN cortex_deb_depends ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
list(JOIN cortex_deb_recommends ", " CPACK_DEBIAN_PACKAGE_RECOMMENDS)
list(JOIN cortex_deb_suggests ", " CPACK_DEBIAN_PACKAGE_SUGGESTS)

include(CPack)

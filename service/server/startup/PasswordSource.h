#pragma once

#include "crypto/SecureBytes.h"

#include <QString>

namespace cortex::startup {

struct ServerOptions;

struct PasswordLookup
{
    crypto::SecureBytes password; // empty when none was found
    QString origin;               // where it came from, for the log ("CORTEX_KEK_PASSWORD", ...)
    QString error;                // set when a source was named but could not be used
};

// Finds the unseal password, in this order: CORTEX_KEK_PASSWORD (then removed from the
// environment so children do not inherit it), --password-file, $CREDENTIALS_DIRECTORY/kek-password
// (systemd LoadCredential), and the terminal when stdin is one (no echo; asked twice when
// `confirm`, e.g. on first initialisation). Passwords are bytes as given: no trimming, except
// that one trailing newline of a file is dropped.
// With `useTerminal` false the terminal is never asked (the caller asks for shares there).
PasswordLookup findPassword(const ServerOptions &options, bool confirm, bool useTerminal = true);

// Reads one line from the terminal with echo off, into secure memory. Empty on EOF; sets
// *tooLong (and returns a prefix that must not be used) past 4096 bytes.
crypto::SecureBytes readHiddenLine(const QString &prompt, bool *tooLong);

} // namespace cortex::startup

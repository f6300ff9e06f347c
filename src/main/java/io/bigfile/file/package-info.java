/**
 * The vocabulary and public API of bigfile: file ids, file and transaction descriptions, the
 * context a request runs in, and the domain exceptions, each named after the rule it reports.
 * Nothing here knows HTTP or Spring; {@link io.bigfile.file.BigFiles} is the one entry point the
 * web edge calls.
 */
package io.bigfile.file;

/**
 * HTTP only: parses requests (ranges, content ranges, validators, the {@code txn} and {@code at}
 * parameters), streams bodies both ways, and maps domain exceptions to RFC 9457 problem details. It
 * never reaches past the engine's API in {@link io.bigfile.file}.
 */
package io.bigfile.web;

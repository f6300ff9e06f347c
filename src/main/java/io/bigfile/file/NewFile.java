package io.bigfile.file;

/** What a client asks for when it creates a file; null fields take the configured defaults. */
public record NewFile(String name, Integer blockSize, WriteFormat format) {}

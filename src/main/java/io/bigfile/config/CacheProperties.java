package io.bigfile.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The page cache: {@code bigfile.cache.*}.
 *
 * @param maxSize bytes of clean block versions kept in memory
 * @param readAhead how much of the block index a read fetches at a time
 * @param prefetchThreads threads that load blocks ahead of long reads
 * @param fileRecords file records kept in memory, one per file and snapshot read
 * @param indexEntries block index entries kept in memory, one per block and snapshot read (about
 *     100 bytes each)
 */
@ConfigurationProperties("bigfile.cache")
public record CacheProperties(
    @DefaultValue("256MB") DataSize maxSize,
    @DefaultValue("32MB") DataSize readAhead,
    @DefaultValue("4") int prefetchThreads,
    @DefaultValue("50000") long fileRecords,
    @DefaultValue("500000") long indexEntries) {

  public CacheProperties {
    if (maxSize.toBytes() < 0 || readAhead.toBytes() < 1) {
      throw new IllegalArgumentException("bigfile.cache sizes must be positive");
    }
    if (prefetchThreads < 1 || fileRecords < 1 || indexEntries < 1) {
      throw new IllegalArgumentException(
          "bigfile.cache prefetch-threads, file-records and index-entries must be at least 1");
    }
  }
}

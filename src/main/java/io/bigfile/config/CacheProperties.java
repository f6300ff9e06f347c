package io.bigfile.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The page cache: {@code bigfile.cache.*}.
 *
 * @param maxSize bytes of clean block versions kept in memory; {@code auto}: sized from the heap
 *     ({@link MemoryBudget})
 * @param readAhead how much of the block index a read fetches at a time; {@code auto}: an eighth of
 *     the cache (never more than a quarter of it)
 * @param prefetchThreads threads that load blocks ahead of long reads
 * @param fileRecords file records kept in memory, one per file and snapshot read
 * @param indexEntries block index entries kept in memory, one per block and snapshot read (about
 *     100 bytes each)
 */
@ConfigurationProperties("bigfile.cache")
public record CacheProperties(
    @DefaultValue("auto") SizeOrAuto maxSize,
    @DefaultValue("auto") SizeOrAuto readAhead,
    @DefaultValue("4") int prefetchThreads,
    @DefaultValue("50000") long fileRecords,
    @DefaultValue("500000") long indexEntries) {

  public CacheProperties {
    if (!readAhead.isAuto() && readAhead.size().toBytes() < 1) {
      throw new IllegalArgumentException("bigfile.cache.read-ahead must be positive");
    }
    if (prefetchThreads < 1 || fileRecords < 1 || indexEntries < 1) {
      throw new IllegalArgumentException(
          "bigfile.cache prefetch-threads, file-records and index-entries must be at least 1");
    }
  }
}

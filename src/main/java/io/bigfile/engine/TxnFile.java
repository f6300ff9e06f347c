package io.bigfile.engine;

import io.bigfile.block.Change;
import io.bigfile.block.FileChange;
import io.bigfile.block.FileRecord;
import io.bigfile.file.WriteFormat;
import io.bigfile.pagecache.DirtyPage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * One file as a transaction has changed it: attributes, a truncation mark and dirty pages. Guarded
 * by the owning transaction's lock; not thread-safe. It keeps its own invariants: callers change it
 * only through the methods below, and read its pages through read-only views.
 *
 * <p>Invariants:
 *
 * <ul>
 *   <li>In storage and here, every byte at or past {@code size} is zero. Truncation keeps it by
 *       dropping pages past the new end, by the caller zeroing the tail of the new last block, and
 *       by {@code zeroFrom}: committed blocks at or past it read as zeros in this transaction (and
 *       are stored as zero blocks at commit).
 *   <li>Every change is recorded in {@code changes} (what the commit tells the store) and counted
 *       in {@code localVersion} (the transaction-local validator).
 *   <li>A deleted file holds no pages.
 * </ul>
 */
final class TxnFile {

  final long fileId;
  final int blockSize;

  /** The file as the snapshot saw it; null when this transaction created it. */
  final FileRecord base;

  final Instant createdAt;
  private String name;
  private String contentType;
  private long size;
  private WriteFormat format;
  private boolean deleted;
  private final Set<Change> changes = EnumSet.noneOf(Change.class);
  private long zeroFrom = Long.MAX_VALUE;
  private boolean requireUnchanged;
  private long localVersion;
  private TreeMap<Long, DirtyPage> pages = new TreeMap<>();

  TxnFile(FileRecord base) {
    this.fileId = base.id();
    this.blockSize = base.blockSize();
    this.base = base;
    this.createdAt = base.createdAt();
    this.name = base.name();
    this.contentType = base.contentType();
    this.size = base.size();
    this.format = base.format();
  }

  TxnFile(
      long fileId,
      int blockSize,
      String name,
      String contentType,
      WriteFormat format,
      Instant createdAt) {
    this.fileId = fileId;
    this.blockSize = blockSize;
    this.base = null;
    this.createdAt = createdAt;
    this.name = name;
    this.contentType = contentType;
    this.size = 0;
    this.format = format;
    this.changes.add(Change.CREATED);
  }

  boolean created() {
    return base == null;
  }

  String name() {
    return name;
  }

  /** The media type, or null for none. */
  String contentType() {
    return contentType;
  }

  long size() {
    return size;
  }

  WriteFormat format() {
    return format;
  }

  boolean deleted() {
    return deleted;
  }

  /** Whether this transaction changed the file at all. */
  boolean changed() {
    return !changes.isEmpty();
  }

  /** The transaction-local version of the file's content and attributes, for validators. */
  long localVersion() {
    return localVersion;
  }

  /** Whether committed data of block {@code blk} is still visible in this transaction. */
  boolean committedVisible(long blk) {
    return !created() && blk < zeroFrom;
  }

  /**
   * Where committed blocks stop being visible below {@code toBlk}: nowhere for a file this
   * transaction created, else at its truncation mark.
   */
  long committedEnd(long toBlk) {
    return created() ? 0 : Math.min(toBlk, zeroFrom);
  }

  /** The first block a truncation of this transaction cut off, or {@link Long#MAX_VALUE}. */
  long zeroFrom() {
    return zeroFrom;
  }

  long dirtyBytes() {
    return (long) pages.size() * blockSize;
  }

  /** The dirty page of block {@code blk}, or null. */
  DirtyPage page(long blk) {
    return pages.get(blk);
  }

  /** The dirty pages, by block, read-only. */
  NavigableMap<Long, DirtyPage> pages() {
    return Collections.unmodifiableNavigableMap(pages);
  }

  /**
   * Replaces the page of block {@code blk} with a copy of it (the page is shared with a reader);
   * the budget is unchanged, since the transaction still holds one page for the block.
   *
   * @return the copy, to write
   */
  DirtyPage unshare(long blk) {
    DirtyPage copy = pages.get(blk).copy();
    pages.put(blk, copy);
    return copy;
  }

  /**
   * What a reader needs of this file, taken under the transaction's lock and read without it: the
   * pages as they are now (each shared, so no later write changes their bytes) and where committed
   * blocks stop being visible.
   */
  ReadView readView() {
    pages.values().forEach(DirtyPage::share);
    return new ReadView(
        Collections.unmodifiableNavigableMap(new TreeMap<>(pages)), created(), zeroFrom);
  }

  /**
   * The file as a transaction saw it when a read began. Immutable; thread-safe.
   *
   * @param pages the transaction's pages of the file, shared with the reader
   * @param created whether the transaction created the file (no committed block is visible)
   * @param zeroFrom committed blocks at or past it read as zeros
   */
  record ReadView(NavigableMap<Long, DirtyPage> pages, boolean created, long zeroFrom) {

    DirtyPage page(long blk) {
      return pages.get(blk);
    }

    /** Whether committed data of block {@code blk} is visible. */
    boolean committedVisible(long blk) {
      return !created && blk < zeroFrom;
    }

    /** Where committed blocks stop being visible below {@code toBlk}. */
    long committedEnd(long toBlk) {
      return created ? 0 : Math.min(toBlk, zeroFrom);
    }
  }

  /** Adds the page of a block that had none; the caller has reserved its budget. */
  void addPage(long blk, DirtyPage page) {
    if (pages.putIfAbsent(blk, page) != null) {
      throw new IllegalStateException("block " + blk + " already has a dirty page");
    }
  }

  void rename(String newName) {
    name = newName;
    changed(Change.NAME);
  }

  /** Gives the file media type {@code newContentType}, or none for null. */
  void changeContentType(String newContentType) {
    contentType = newContentType;
    changed(Change.CONTENT_TYPE);
  }

  void changeFormat(WriteFormat newFormat) {
    format = newFormat;
    changed(Change.FORMAT);
  }

  /** Records that the transaction wrote data into its pages. */
  void wroteBlocks() {
    changed(Change.BLOCKS);
  }

  /** Drops every page and every committed byte: the content is replaced from scratch. */
  void clear() {
    pages = new TreeMap<>();
    zeroFrom = 0;
    size = 0;
    changed(Change.SIZE);
  }

  /** The file grows to {@code newSize} (bytes past the old end read as zeros). */
  void grow(long newSize) {
    if (newSize < size) {
      throw new IllegalArgumentException("grow to " + newSize + " below the size " + size);
    }
    if (newSize != size) {
      size = newSize;
      changed(Change.SIZE);
    }
  }

  /**
   * Cuts the file to {@code newSize}: pages past the new last block are dropped and committed
   * blocks past it read as zeros. The caller zeroes the tail of the new last block.
   */
  void truncate(long newSize) {
    if (newSize > size) {
      throw new IllegalArgumentException("truncate to " + newSize + " above the size " + size);
    }
    long keep = (newSize + blockSize - 1) / blockSize;
    pages = new TreeMap<>(pages.headMap(keep));
    zeroFrom = Math.min(zeroFrom, keep);
    size = newSize;
    changed(Change.SIZE);
  }

  void delete() {
    deleted = true;
    pages = new TreeMap<>();
    changed(Change.DELETED);
  }

  /** The commit fails if any other commit changed the file after the snapshot. */
  void requireUnchanged() {
    requireUnchanged = true;
  }

  /** What a commit of this file tells the store. */
  FileChange toChange() {
    return new FileChange(
        fileId,
        blockSize,
        name,
        contentType,
        size,
        format,
        deleted,
        changes,
        created() ? Long.MAX_VALUE : zeroFrom,
        requireUnchanged);
  }

  private void changed(Change change) {
    changes.add(change);
    localVersion++;
  }

  /** A copy of everything a failed request must restore. */
  Savepoint savepoint() {
    return new Savepoint(this);
  }

  /**
   * Restores a file to the state of {@link #savepoint()}: attributes, the page map, and the bytes
   * overwritten in pages that already existed.
   */
  static final class Savepoint {
    private final TxnFile file;
    private final String name;
    private final String contentType;
    private final long size;
    private final WriteFormat format;
    private final boolean deleted;
    private final Set<Change> changes;
    private final long zeroFrom;
    private final boolean requireUnchanged;
    private final long localVersion;
    private final TreeMap<Long, DirtyPage> pages;
    private final List<Undo> undos = new ArrayList<>();

    private record Undo(byte[] page, int offset, byte[] saved) {}

    private Savepoint(TxnFile f) {
      this.file = f;
      this.name = f.name;
      this.contentType = f.contentType;
      this.size = f.size;
      this.format = f.format;
      this.deleted = f.deleted;
      this.changes = EnumSet.noneOf(Change.class);
      this.changes.addAll(f.changes);
      this.zeroFrom = f.zeroFrom;
      this.requireUnchanged = f.requireUnchanged;
      this.localVersion = f.localVersion;
      this.pages = new TreeMap<>(f.pages);
    }

    /** Remembers bytes {@code [from, to)} of an existing page before they are overwritten. */
    void saveRange(DirtyPage page, int from, int to) {
      if (to > from) {
        byte[] saved = new byte[to - from];
        System.arraycopy(page.data(), from, saved, 0, saved.length);
        undos.add(new Undo(page.data(), from, saved));
      }
    }

    boolean existedBefore(long blk, DirtyPage page) {
      return pages.get(blk) == page;
    }

    void restore() {
      for (int i = undos.size() - 1; i >= 0; i--) {
        Undo u = undos.get(i);
        System.arraycopy(u.saved, 0, u.page, u.offset, u.saved.length);
      }
      file.name = name;
      file.contentType = contentType;
      file.size = size;
      file.format = format;
      file.deleted = deleted;
      file.changes.clear();
      file.changes.addAll(changes);
      file.zeroFrom = zeroFrom;
      file.requireUnchanged = requireUnchanged;
      file.localVersion = localVersion;
      file.pages = pages;
    }
  }
}

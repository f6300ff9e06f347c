package io.bigfile.engine;

import io.bigfile.block.Change;
import io.bigfile.block.FileRecord;
import io.bigfile.file.WriteFormat;
import io.bigfile.pagecache.DirtyPage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * One file as a transaction has changed it: attributes, a truncation mark and dirty pages. Guarded
 * by the owning transaction's lock; not thread-safe.
 *
 * <p>Invariant: in storage and here, every byte at or past {@code size} is zero. Truncation keeps
 * it by zeroing the tail of the new last block and by {@code zeroFrom}: committed blocks at or past
 * it read as zeros in this transaction (and are stored as zero blocks at commit).
 */
final class TxnFile {

  final long fileId;
  final int blockSize;

  /** The file as the snapshot saw it; null when this transaction created it. */
  final FileRecord base;

  final Instant createdAt;
  String name;
  long size;
  WriteFormat format;
  boolean deleted;
  final Set<Change> changes = EnumSet.noneOf(Change.class);
  long zeroFrom = Long.MAX_VALUE;
  boolean requireUnchanged;

  /** Counts changes made in this transaction, for validators. */
  long localVersion;

  TreeMap<Long, DirtyPage> pages = new TreeMap<>();

  TxnFile(FileRecord base) {
    this.fileId = base.id();
    this.blockSize = base.blockSize();
    this.base = base;
    this.createdAt = base.createdAt();
    this.name = base.name();
    this.size = base.size();
    this.format = base.format();
  }

  TxnFile(long fileId, int blockSize, String name, WriteFormat format, Instant createdAt) {
    this.fileId = fileId;
    this.blockSize = blockSize;
    this.base = null;
    this.createdAt = createdAt;
    this.name = name;
    this.size = 0;
    this.format = format;
    this.changes.add(Change.CREATED);
  }

  boolean created() {
    return base == null;
  }

  /** Whether committed data of block {@code blk} is still visible in this transaction. */
  boolean committedVisible(long blk) {
    return !created() && blk < zeroFrom;
  }

  long dirtyBytes() {
    return (long) pages.size() * blockSize;
  }

  /** Marks a change of the file made by this transaction. */
  void changed(Change change) {
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

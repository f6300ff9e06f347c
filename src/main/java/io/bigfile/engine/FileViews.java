package io.bigfile.engine;

import io.bigfile.block.Change;
import io.bigfile.block.FileRecord;
import io.bigfile.block.RevisionRecord;
import io.bigfile.file.DataRanges;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.Page;
import io.bigfile.file.Precondition;
import io.bigfile.file.PreconditionFailedException;
import io.bigfile.file.RevisionInfo;
import io.bigfile.file.RevisionNotRetainedException;
import io.bigfile.file.UnknownFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * What a transaction sees of files: one file (its own changed copy, or the committed record at its
 * snapshot), the listing, a file's revisions and its data ranges, with page cursors. Reads only;
 * thread-safe as long as each transaction is used by the thread that holds it.
 */
final class FileViews {

  /** The most items one page of a listing holds. */
  static final int MAX_PAGE = 1000;

  private final CachedIndexStore store;

  FileViews(CachedIndexStore store) {
    this.store = store;
  }

  /** A file as a transaction sees it: its own changed copy, or the committed record. */
  record View(TxnFile file, FileRecord record) {}

  /**
   * @throws UnknownFileException if the file does not exist at the transaction's snapshot, or the
   *     transaction deleted it
   */
  View view(Transaction t, long id) {
    TxnFile f = t.files.get(id);
    if (f != null) {
      if (f.deleted()) {
        throw new UnknownFileException(new FileId(id).toString());
      }
      return new View(f, null);
    }
    return new View(null, committed(id, t.snapshot));
  }

  /** The committed record of a live file at {@code snapshot}. */
  FileRecord committed(long id, long snapshot) {
    return alive(store.file(id, snapshot), new FileId(id));
  }

  /** The file as committed at {@code revision}, as the answer to an autocommit write. */
  FileInfo committedInfo(FileId id, long revision) {
    return info(committed(id.value(), revision), revision);
  }

  private static FileRecord alive(Optional<FileRecord> rec, FileId id) {
    if (rec.isEmpty() || rec.get().deleted()) {
      throw new UnknownFileException(id.toString());
    }
    return rec.get();
  }

  /**
   * @throws PreconditionFailedException if the request's precondition does not hold for {@code
   *     current}
   */
  static void checkPrecondition(Precondition precondition, FileInfo current) {
    if (precondition != null && !precondition.test(current)) {
      throw new PreconditionFailedException(
          "the file does not match the request's preconditions: its version is now "
              + current.version()
              + ", last modified "
              + current.modifiedAt());
    }
  }

  FileInfo info(Transaction t, View v) {
    return v.file() != null ? info(t, v.file()) : info(v.record(), t.snapshot);
  }

  static FileInfo info(FileRecord r, long asOf) {
    return new FileInfo(
        new FileId(r.id()),
        r.name(),
        r.contentType(),
        r.size(),
        r.blockSize(),
        r.format(),
        r.revision(),
        "r" + r.revision(),
        r.createdAt(),
        r.modifiedAt(),
        asOf);
  }

  static FileInfo info(Transaction t, TxnFile f) {
    Long rev = f.base == null ? null : f.base.revision();
    String version = f.changed() ? "t" + t.id + "." + f.localVersion() : "r" + rev;
    Instant modified = f.base == null ? f.createdAt : f.base.modifiedAt();
    return new FileInfo(
        new FileId(f.fileId),
        f.name(),
        f.contentType(),
        f.size(),
        f.blockSize,
        f.format(),
        rev,
        version,
        f.createdAt,
        modified,
        t.snapshot);
  }

  /** Files alive in the transaction, by id, after the cursor: committed ones and its own. */
  Page<FileInfo> list(Transaction t, long afterId, int limit) {
    List<FileRecord> stored = store.files(t.snapshot, afterId, limit + 1);
    TreeMap<Long, FileInfo> merged = new TreeMap<>();
    for (FileRecord r : stored) {
      TxnFile f = t.files.get(r.id());
      if (f == null) {
        merged.put(r.id(), info(r, t.snapshot));
      } else if (!f.deleted()) {
        merged.put(r.id(), info(t, f));
      }
    }
    long storedLast = stored.size() > limit ? stored.get(limit).id() : Long.MAX_VALUE;
    for (TxnFile f : t.files.values()) {
      if (f.created() && !f.deleted() && f.fileId > afterId && f.fileId <= storedLast) {
        merged.put(f.fileId, info(t, f));
      }
    }
    List<FileInfo> items = new ArrayList<>(merged.values());
    boolean more = items.size() > limit;
    if (more) {
      items = items.subList(0, limit);
    }
    String next = more ? items.get(items.size() - 1).id().toString() : null;
    return new Page<>(List.copyOf(items), next);
  }

  /** Revisions that changed a file, visible at the transaction's snapshot, newest first. */
  Page<RevisionInfo> revisions(Transaction t, FileId id, long beforeRev, int limit) {
    view(t, id.value());
    List<RevisionRecord> recs = store.revisions(id.value(), t.snapshot, beforeRev, limit + 1);
    boolean more = recs.size() > limit;
    List<RevisionInfo> items =
        recs.stream()
            .limit(limit)
            .map(
                r -> new RevisionInfo(r.revision(), r.committedAt(), Change.names(r.changesMask())))
            .toList();
    return new Page<>(items, more ? String.valueOf(items.get(items.size() - 1).revision()) : null);
  }

  /** The byte ranges of a file that hold data, or changed since a revision. */
  DataRanges ranges(Transaction t, FileId id, Long since, long from, int limit) {
    View v = view(t, id.value());
    FileInfo info = info(t, v);
    Long sizeAtSince = null;
    if (since != null) {
      if (since > t.snapshot) {
        throw new InvalidRequestException(
            "since=" + since + " is after the revision read, " + t.snapshot);
      }
      long oldest = store.oldestRetainedRevision();
      if (since < oldest) {
        throw new RevisionNotRetainedException(since, oldest);
      }
      sizeAtSince =
          store.file(id.value(), since).filter(r -> !r.deleted()).map(FileRecord::size).orElse(0L);
    }
    RangeLister lister =
        new RangeLister(store, id.value(), info.blockSize(), t.snapshot, since, v.file());
    return lister.page(info, sizeAtSince, from, limit);
  }

  /**
   * Checks a page size before anything runs.
   *
   * @throws InvalidRequestException outside 1 to {@value #MAX_PAGE}
   */
  static void checkLimit(int limit) {
    if (limit < 1 || limit > MAX_PAGE) {
      throw new InvalidRequestException("limit must be between 1 and " + MAX_PAGE);
    }
  }

  /** The position a page cursor names, or {@code first} without a cursor. */
  static long cursor(String cursor, ToLongFunction<String> parse, long first) {
    if (cursor == null || cursor.isEmpty()) {
      return first;
    }
    try {
      return parse.applyAsLong(cursor);
    } catch (RuntimeException e) {
      throw new InvalidRequestException("malformed cursor '" + cursor + "'");
    }
  }
}

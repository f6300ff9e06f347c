package io.bigfile.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.bigfile.file.BigFiles;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.NewFile;
import io.bigfile.file.RequestContext;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.WriteFormat;
import io.bigfile.support.FileBytes;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Drives an engine with random writes, appends, truncates, extensions, replaces, commits and aborts
 * over several interleaved transactions and autocommit requests, and checks every read against a
 * plain in-memory model: a byte array per file, per transaction view and per committed revision.
 *
 * <p>The model also decides when a commit must conflict: first committer wins on blocks (a block
 * the transaction changed was changed by a later commit) and on size. A commit the model says must
 * conflict that succeeds is a lost update; a conflict the model cannot explain is a false conflict.
 * Both fail the check.
 */
final class ModelCheck {

  /** A committed change of one file: which blocks got new versions and whether the size changed. */
  private record Commit(long rev, Set<Long> blocks, boolean sizeChanged, long sizeAfter) {}

  /** The committed state of one file. */
  private static final class FileState {
    final int blockSize;
    byte[] content = new byte[0];
    final List<Commit> log = new ArrayList<>();

    FileState(int blockSize) {
      this.blockSize = blockSize;
    }
  }

  /** One open transaction's view of one file. */
  private static final class TxnView {
    final byte[] snapshotContent;
    byte[] content;
    final Set<Long> dirty = new HashSet<>();
    long zeroFrom = Long.MAX_VALUE;
    boolean sizeChanged;
    boolean blocksChanged;

    TxnView(byte[] committed) {
      snapshotContent = committed.clone();
      content = committed.clone();
    }
  }

  private static final class Txn {
    final String id;
    final long snapshot;
    final Map<FileId, TxnView> views = new HashMap<>();

    Txn(String id, long snapshot) {
      this.id = id;
      this.snapshot = snapshot;
    }
  }

  private final BigFiles engine;
  private final Random rnd;
  private final Map<FileId, FileState> files = new java.util.LinkedHashMap<>();
  private final TreeMap<Long, Map<FileId, byte[]>> history = new TreeMap<>();
  private final List<Txn> open = new ArrayList<>();
  int commits;
  int conflicts;
  int reads;

  /** The latest operations, for failure messages. */
  private final java.util.ArrayDeque<String> trace = new java.util.ArrayDeque<>();

  private void trace(String s) {
    trace.addLast(s);
    if (trace.size() > 4000) {
      trace.removeFirst();
    }
  }

  private String traceText() {
    return "\nlast operations:\n  " + String.join("\n  ", trace);
  }

  /** Packs history now, or does nothing; and tells the oldest readable revision. */
  interface History {
    void pack();

    long oldestReadable();
  }

  private final History packer;
  int packs;

  ModelCheck(BigFiles engine, long seed) {
    this(
        engine,
        seed,
        new History() {
          @Override
          public void pack() {
            // history is never packed in this check
          }

          @Override
          public long oldestReadable() {
            return 0;
          }
        });
  }

  ModelCheck(BigFiles engine, long seed, History packer) {
    this.engine = engine;
    this.rnd = new Random(seed);
    this.packer = packer;
  }

  void run(int ops) {
    int[] blockSizes = {4096, 8192, 16384};
    WriteFormat[] formats = WriteFormat.values();
    for (int i = 0; i < 3; i++) {
      FileInfo f =
          engine.create(
              RequestContext.AUTOCOMMIT,
              new NewFile("m" + i, blockSizes[i % 3], formats[i % formats.length]));
      files.put(f.id(), new FileState(f.blockSize()));
      recordHistory(f.revision());
    }
    for (int i = 0; i < ops; i++) {
      step(i);
    }
    for (Txn t : new ArrayList<>(open)) {
      commit(t);
    }
    for (FileId id : files.keySet()) {
      checkRead(RequestContext.AUTOCOMMIT, id, files.get(id).content);
    }
  }

  private void step(int i) {
    int r = rnd.nextInt(100);
    if (open.size() < 3 && r < 8) {
      var info = engine.begin();
      trace("begin " + info.id().substring(0, 4) + "@" + info.snapshotRevision());
      open.add(new Txn(info.id(), info.snapshotRevision()));
      return;
    }
    if (!open.isEmpty() && r < 14) {
      commit(open.get(rnd.nextInt(open.size())));
      return;
    }
    if (!open.isEmpty() && r < 16) {
      Txn t = open.remove(rnd.nextInt(open.size()));
      engine.abort(t.id);
      return;
    }
    if (r < 30) {
      readCheck();
      return;
    }
    if (r < 33) {
      trace("pack");
      packer.pack();
      packs++;
      return;
    }
    FileId id = pick();
    boolean auto = open.isEmpty() || rnd.nextInt(5) == 0;
    Txn t = auto ? null : open.get(rnd.nextInt(open.size()));
    FileState fs = files.get(id);
    int bs = fs.blockSize;
    TxnView v =
        t == null
            ? new TxnView(fs.content)
            : t.views.computeIfAbsent(
                id, k -> new TxnView(history.floorEntry(t.snapshot).getValue().get(id)));
    RequestContext ctx =
        t == null ? RequestContext.AUTOCOMMIT : new RequestContext.InTransaction(t.id);
    int op = rnd.nextInt(100);
    // what the request answered: an autocommit request says the revision it created (asOf)
    FileInfo answer = null;
    if (op < 45) {
      long off =
          v.content.length == 0 ? rnd.nextInt(bs * 3) : rnd.nextInt(v.content.length + bs * 2);
      byte[] data = data(1 + rnd.nextInt(bs * 2));
      trace(
          ctxName(t)
              + " write "
              + id
              + " @"
              + off
              + "+"
              + data.length
              + " (size "
              + v.content.length
              + ")");
      answer = FileBytes.write(engine, ctx, id, off, data);
      modelWrite(v, bs, off, data);
    } else if (op < 60) {
      byte[] data = data(1 + rnd.nextInt(bs));
      answer =
          engine.append(
              ctx, id, rnd.nextBoolean() ? data.length : -1, new ByteArrayInputStream(data), null);
      modelWrite(v, bs, v.content.length, data);
    } else if (op < 80) {
      long n =
          v.content.length == 0
              ? rnd.nextInt(bs * 2)
              : rnd.nextInt((int) (v.content.length * 1.3) + 1);
      trace(ctxName(t) + " resize " + id + " " + v.content.length + " -> " + n);
      answer = engine.update(ctx, id, new FileUpdate(n, null, null), null);
      modelResize(v, bs, n);
    } else if (op < 88) {
      byte[] data = data(rnd.nextInt(bs * 3));
      answer =
          engine.replace(
              ctx, id, rnd.nextBoolean() ? data.length : -1, new ByteArrayInputStream(data), null);
      // in a transaction a replace always counts as a size change; an autocommit one only when the
      // size differs
      boolean sizeChanged = t != null || data.length != v.content.length;
      boolean blocksChanged = t != null || data.length > 0 || v.content.length > 0;
      v.dirty.clear();
      v.zeroFrom = 0;
      v.content = new byte[0];
      modelWrite(v, bs, 0, data);
      v.sizeChanged |= sizeChanged;
      v.sizeChanged &= sizeChanged || t != null;
      v.blocksChanged |= blocksChanged;
    } else if (op < 94) {
      // a write whose body is shorter than declared must change nothing
      long off = rnd.nextInt(v.content.length + bs);
      byte[] data = data(10 + rnd.nextInt(bs));
      try {
        engine.write(ctx, id, off, data.length + 5, new ByteArrayInputStream(data), null, null);
        fail("a short body was accepted");
      } catch (io.bigfile.file.InvalidRequestException expected) {
        // nothing changed: checked by the next reads
      }
      if (t == null) {
        return;
      }
    } else {
      // format changes only outside transactions: the model does not track format conflicts
      answer =
          engine.update(
              RequestContext.AUTOCOMMIT, id, new FileUpdate(null, pickFormat(), null), null);
      if (t == null) {
        recordAutocommit(id, v, answer.asOf());
      } else {
        recordAutocommit(id, new TxnView(fs.content), answer.asOf());
      }
      return;
    }
    if (t == null) {
      recordAutocommit(id, v, answer.asOf());
    }
  }

  private static String ctxName(Txn t) {
    return t == null ? "auto" : "txn " + t.id.substring(0, 4) + "@" + t.snapshot;
  }

  private WriteFormat pickFormat() {
    return WriteFormat.values()[rnd.nextInt(3)];
  }

  private FileId pick() {
    List<FileId> ids = new ArrayList<>(files.keySet());
    return ids.get(rnd.nextInt(ids.size()));
  }

  private byte[] data(int n) {
    byte[] b = new byte[n];
    int kind = rnd.nextInt(4);
    if (kind == 0) {
      return b; // zeros: turns data into zeros
    }
    rnd.nextBytes(b);
    if (kind == 1) {
      // sparse: mostly zero
      for (int i = 0; i < n; i++) {
        if (rnd.nextInt(8) != 0) {
          b[i] = 0;
        }
      }
    }
    return b;
  }

  private static void modelWrite(TxnView v, int bs, long off, byte[] data) {
    if (data.length == 0) {
      return;
    }
    long end = off + data.length;
    if (end > v.content.length) {
      v.content = Arrays.copyOf(v.content, (int) end);
      v.sizeChanged = true;
    }
    System.arraycopy(data, 0, v.content, (int) off, data.length);
    for (long b = off / bs; b <= (end - 1) / bs; b++) {
      v.dirty.add(b);
    }
    v.blocksChanged = true;
  }

  private static void modelResize(TxnView v, int bs, long n) {
    if (n == v.content.length) {
      return;
    }
    if (n < v.content.length) {
      long keep = (n + bs - 1) / bs;
      long tail = n / bs;
      // the new last block is changed by the truncation, data or not
      boolean tailChanged = n % bs != 0;
      v.dirty.removeIf(b -> b >= keep);
      v.zeroFrom = Math.min(v.zeroFrom, keep);
      if (tailChanged) {
        v.dirty.add(tail);
      }
    }
    v.content = Arrays.copyOf(v.content, (int) n);
    v.sizeChanged = true;
  }

  private static boolean nonZero(byte[] b, long from, long to) {
    for (long i = from; i < Math.min(to, b.length); i++) {
      if (b[(int) i] != 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * An autocommit request is a transaction that begins and commits at once: no one can commit in
   * between.
   */
  private void recordAutocommit(FileId id, TxnView v, long rev) {
    trace(
        "  -> r"
            + rev
            + " dirty "
            + v.dirty
            + " zeroFrom "
            + v.zeroFrom
            + " size "
            + v.content.length);
    FileState fs = files.get(id);
    if (!v.sizeChanged && !v.blocksChanged && v.content.length == fs.content.length) {
      if (rev > lastRev()) {
        recordHistory(rev);
      }
      return;
    }
    apply(id, fs, v, rev);
    recordHistory(rev);
  }

  private long lastRev() {
    return history.isEmpty() ? 0 : history.lastKey();
  }

  private void apply(FileId id, FileState fs, TxnView v, long rev) {
    int bs = fs.blockSize;
    Set<Long> changed = new HashSet<>(v.dirty);
    long newSize = v.sizeChanged ? v.content.length : fs.content.length;
    byte[] merged = Arrays.copyOf(fs.content, (int) Math.max(newSize, fs.content.length));
    if (v.zeroFrom != Long.MAX_VALUE) {
      for (long b = v.zeroFrom; b * bs < fs.content.length; b++) {
        if (!v.dirty.contains(b) && nonZero(fs.content, b * bs, (b + 1) * bs)) {
          changed.add(b);
        }
        if (!v.dirty.contains(b)) {
          Arrays.fill(
              merged, (int) (b * bs), (int) Math.min(merged.length, (b + 1) * bs), (byte) 0);
        }
      }
    }
    merged = Arrays.copyOf(merged, (int) newSize);
    for (long b : v.dirty) {
      int from = (int) (b * bs);
      int to = (int) Math.min((b + 1) * bs, v.content.length);
      Arrays.fill(merged, from, (int) Math.min((b + 1) * bs, merged.length), (byte) 0);
      if (to > from) {
        System.arraycopy(v.content, from, merged, from, to - from);
      }
    }
    fs.content = Arrays.copyOf(merged, (int) newSize);
    fs.log.add(new Commit(rev, changed, v.sizeChanged, newSize));
  }

  private void recordHistory(long rev) {
    Map<FileId, byte[]> snap = new HashMap<>();
    for (var e : files.entrySet()) {
      snap.put(e.getKey(), e.getValue().content.clone());
    }
    history.put(rev, snap);
  }

  /** Whether committing {@code t} must conflict, by the rules the service promises. */
  private String conflictReason(Txn t) {
    for (var e : t.views.entrySet()) {
      FileState fs = files.get(e.getKey());
      TxnView v = e.getValue();
      int bs = fs.blockSize;
      Set<Long> theirs = new HashSet<>();
      boolean theirSize = false;
      long minSize = Long.MAX_VALUE;
      for (Commit c : fs.log) {
        if (c.rev() > t.snapshot) {
          theirs.addAll(c.blocks());
          theirSize |= c.sizeChanged();
          if (c.sizeChanged()) {
            minSize = Math.min(minSize, c.sizeAfter());
          }
        }
      }
      for (long b : v.dirty) {
        if (theirs.contains(b)) {
          return e.getKey() + " block " + b;
        }
      }
      if (v.zeroFrom != Long.MAX_VALUE) {
        for (long b : theirs) {
          if (b >= v.zeroFrom) {
            return e.getKey() + " truncated block " + b;
          }
        }
      }
      if (theirSize && v.sizeChanged) {
        return e.getKey() + " size";
      }
      if (theirSize && v.blocksChanged) {
        long max = v.dirty.stream().mapToLong(Long::longValue).max().orElse(-1);
        if (max >= 0 && max >= minSize / bs) {
          return e.getKey() + " block " + max + " past a concurrent shrink to " + minSize;
        }
      }
    }
    return null;
  }

  private void commit(Txn t) {
    open.remove(t);
    String reason = conflictReason(t);
    boolean expectConflict = reason != null;
    try {
      trace(
          "commit "
              + t.id.substring(0, 4)
              + " expecting "
              + (expectConflict ? "conflict: " + reason : "success"));
      var info = engine.commit(t.id);
      assertTrue(
          !expectConflict,
          "commit succeeded although a later commit changed the same data" + traceText());
      long rev = info.revision();
      boolean changedAnything = false;
      for (var e : t.views.entrySet()) {
        TxnView v = e.getValue();
        if (v.sizeChanged || v.blocksChanged) {
          apply(e.getKey(), files.get(e.getKey()), v, rev);
          changedAnything = true;
        }
      }
      if (changedAnything || rev > lastRev()) {
        recordHistory(rev);
      }
      commits++;
    } catch (TransactionConflictException e) {
      assertTrue(expectConflict, "unexpected conflict: " + e.getMessage() + traceText());
      conflicts++;
    }
  }

  private void readCheck() {
    FileId id = pick();
    int kind = rnd.nextInt(3);
    if (kind == 0 && !open.isEmpty()) {
      Txn t = open.get(rnd.nextInt(open.size()));
      TxnView v = t.views.get(id);
      byte[] expected = v != null ? v.content : history.floorEntry(t.snapshot).getValue().get(id);
      checkRead(new RequestContext.InTransaction(t.id), id, expected);
    } else if (kind == 1 && !history.isEmpty()) {
      long from = Math.max(history.firstKey(), packer.oldestReadable());
      long rev = from + (long) (rnd.nextDouble() * (history.lastKey() - from));
      byte[] expected = history.floorEntry(rev).getValue().get(id);
      if (expected != null) {
        checkRead(new RequestContext.AtRevision(rev), id, expected);
      }
    } else {
      checkRead(RequestContext.AUTOCOMMIT, id, files.get(id).content);
    }
  }

  private void checkRead(RequestContext ctx, FileId id, byte[] expected) {
    reads++;
    try (FileContent c = engine.open(ctx, id)) {
      assertEquals(expected.length, c.info().size(), "size of " + id + " in " + ctx + traceText());
      if (expected.length > 0 && rnd.nextBoolean()) {
        int off = rnd.nextInt(expected.length);
        // half of the ranges are small: they read only their bytes of an uncached block
        int maxLen =
            rnd.nextBoolean() ? Math.min(1024, expected.length - off) : expected.length - off;
        int len = 1 + rnd.nextInt(maxLen);
        assertArrayEquals(
            Arrays.copyOfRange(expected, off, off + len),
            FileBytes.copy(c, off, len),
            "range of " + id + " in " + ctx + traceText());
      } else {
        assertArrayEquals(
            expected,
            FileBytes.copy(c, 0, expected.length),
            "content of " + id + " in " + ctx + traceText());
      }
    }
  }
}

package io.bigfile.block;

import io.bigfile.format.BlockData;
import io.bigfile.format.BlockFormat;
import io.bigfile.format.Chunks;
import io.bigfile.format.EncodedBlock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The storage port in memory, for fast engine tests. It keeps every block version's decoded
 * content, applying chunked versions on top of the previous version of their run, so a wrong chunk
 * diff shows up as wrong content. Thread-safe (one lock). Conflicts are decided by {@link
 * ConflictRules}, as in the PostgreSQL store, on facts read from the maps.
 */
public final class InMemoryBlockStore implements BlockStore {

  private record Version(BlockFormat format, long runStart, BlockData content, int layer) {

    Version(BlockFormat format, long runStart, BlockData content) {
      this(format, runStart, content, 0);
    }
  }

  private record FileVersion(FileRecord record, int changes) {}

  private final Clock clock;
  private long head;
  private long oldest;
  private final TreeMap<Long, Instant> revisions = new TreeMap<>();
  private final Map<Long, TreeMap<Long, FileVersion>> files = new HashMap<>();
  private final Map<Long, Integer> blockSizes = new HashMap<>();
  private final Map<Long, Instant> created = new HashMap<>();
  private final Map<Long, TreeMap<Long, TreeMap<Long, Version>>> blocks = new HashMap<>();
  private final Map<String, Long> pins = new HashMap<>();

  /** Calls of the read methods, by name, for tests of what the engine asks the store. */
  private final Map<String, Integer> calls = new HashMap<>();

  private long frozenHead = -1;

  /** Commits to fail, for tests of failure paths. */
  private int failNextCommits;

  /**
   * What the next commit does with its answer, for tests of lost answers: null keeps it; true
   * commits and loses the answer; false loses the commit itself (as a COMMIT that never reached the
   * database) and the answer.
   */
  private Boolean loseNextAnswer;

  /** While true, {@link #settle} cannot reach the database. */
  private boolean unreachable;

  /** The token each commit wrote into its revision, to settle lost answers by. */
  private final Map<Long, Long> tokens = new HashMap<>();

  private long nextToken = 1;

  /** Stored idempotency keys, by principal and key. */
  private final Map<List<String>, IdempotencyRecord> keys = new HashMap<>();

  public InMemoryBlockStore(Clock clock) {
    this.clock = clock;
    revisions.put(0L, clock.instant());
  }

  /**
   * How often a read method ({@code file}, {@code blocks}, {@code load}, {@code loadRange}) ran;
   * {@code loadDuringCommit}: how often {@code load} ran while a commit of this store pulled its
   * blocks (on PostgreSQL, a read that the commit's head lock may be waiting for).
   */
  public synchronized int calls(String method) {
    return calls.getOrDefault(method, 0);
  }

  private void called(String method) {
    calls.merge(method, 1, Integer::sum);
    if (method.equals("load") && committing.get()) {
      calls.merge("loadDuringCommit", 1, Integer::sum);
    }
  }

  /** Whether this thread is inside {@link #commit}. */
  private final ThreadLocal<Boolean> committing = ThreadLocal.withInitial(() -> false);

  public synchronized void failNextCommits(int n) {
    failNextCommits = n;
  }

  /**
   * The next commit's answer is lost: with {@code landed} it commits all the same, without it the
   * commit never takes effect; either way it throws {@link UnconfirmedCommitException}.
   */
  public synchronized void loseNextAnswer(boolean landed) {
    loseNextAnswer = landed;
  }

  /** Whether {@link #settle} can reach the database (it answers UNKNOWN while it cannot). */
  public synchronized void reachable(boolean reachable) {
    unreachable = !reachable;
  }

  /** The number of idempotency keys stored, expired ones included. */
  public synchronized int idempotencyKeyCount() {
    return keys.size();
  }

  /** Block versions stored for a file (for tests of history and pack). */
  public synchronized int versionCount(long fileId) {
    return blocks.getOrDefault(fileId, new TreeMap<>()).values().stream().mapToInt(Map::size).sum();
  }

  @Override
  public synchronized long headRevision() {
    return frozenHead >= 0 ? frozenHead : head;
  }

  @Override
  public synchronized long freshHeadRevision() {
    return head;
  }

  /**
   * From now on {@link #headRevision()} answers the current head even after later commits, as a
   * replica that has not heard of other replicas' commits yet; -1 thaws it.
   */
  public synchronized void freezeHead(boolean frozen) {
    frozenHead = frozen ? head : -1;
  }

  @Override
  public synchronized long oldestRetainedRevision() {
    return oldest;
  }

  @Override
  public synchronized Optional<FileRecord> file(long fileId, long snapshot) {
    called("file");
    TreeMap<Long, FileVersion> v = files.get(fileId);
    if (v == null) {
      return Optional.empty();
    }
    var e = v.floorEntry(snapshot);
    return e == null ? Optional.empty() : Optional.of(e.getValue().record());
  }

  @Override
  public synchronized List<FileRecord> files(long snapshot, long afterId, int limit) {
    List<FileRecord> out = new ArrayList<>();
    for (long id : new TreeMap<>(files).keySet()) {
      if (id <= afterId) {
        continue;
      }
      file(id, snapshot).filter(r -> !r.deleted()).ifPresent(out::add);
      if (out.size() == limit) {
        break;
      }
    }
    return out;
  }

  @Override
  public synchronized List<RevisionRecord> revisions(
      long fileId, long snapshot, long beforeRevision, int limit) {
    List<RevisionRecord> out = new ArrayList<>();
    TreeMap<Long, FileVersion> v = files.get(fileId);
    if (v == null) {
      return out;
    }
    for (var e :
        v.headMap(Math.min(snapshot + 1, beforeRevision), false).descendingMap().entrySet()) {
      out.add(new RevisionRecord(e.getKey(), revisions.get(e.getKey()), e.getValue().changes()));
      if (out.size() == limit) {
        break;
      }
    }
    return out;
  }

  @Override
  public synchronized List<BlockRef> blocks(long fileId, long snapshot, long fromBlk, long toBlk) {
    called("blocks");
    List<BlockRef> out = new ArrayList<>();
    var fb = blocks.get(fileId);
    if (fb == null) {
      return out;
    }
    for (var e : fb.subMap(fromBlk, true, toBlk, false).entrySet()) {
      var v = e.getValue().floorEntry(snapshot);
      if (v != null) {
        Version x = v.getValue();
        out.add(new BlockRef(e.getKey(), v.getKey(), x.format(), x.runStart(), x.layer()));
      }
    }
    return out;
  }

  @Override
  public synchronized List<Long> dataBlocks(long fileId, long snapshot, long fromBlk, int limit) {
    List<Long> out = new ArrayList<>();
    for (BlockRef r : blocks(fileId, snapshot, fromBlk, Long.MAX_VALUE)) {
      if (r.format() != BlockFormat.ZERO && out.size() < limit) {
        out.add(r.blk());
      }
    }
    return out;
  }

  @Override
  public synchronized List<Long> changedBlocks(
      long fileId, long since, long snapshot, long fromBlk, int limit) {
    List<Long> out = new ArrayList<>();
    var fb = blocks.get(fileId);
    if (fb == null) {
      return out;
    }
    for (var e : fb.tailMap(fromBlk, true).entrySet()) {
      if (!e.getValue().subMap(since, false, snapshot, true).isEmpty() && out.size() < limit) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  @Override
  public synchronized BlockData load(long fileId, int blockSize, BlockRef ref) {
    called("load");
    Version v = blocks.get(fileId).get(ref.blk()).get(ref.rev());
    if (v == null) {
      throw new IllegalStateException("version gone: " + ref);
    }
    return v.content();
  }

  @Override
  public synchronized byte[] loadRange(
      long fileId, int blockSize, BlockRef ref, int from, int length) {
    called("loadRange");
    byte[] out = new byte[length];
    Version v = blocks.get(fileId).get(ref.blk()).get(ref.rev());
    if (v == null) {
      throw new IllegalStateException("version gone: " + ref);
    }
    v.content().copyTo(from, out, 0, length);
    return out;
  }

  @Override
  public Optional<CommitOutcome> commit(Changeset cs) throws ConflictException {
    // Pull blocks outside the lock (an upload reads its body here), decoding each into a private
    // copy.
    List<Pending> pending = new ArrayList<>();
    committing.set(true);
    try {
      while (cs.blocks().hasNext()) {
        BlockWrite w = cs.blocks().next();
        pending.add(decode(w));
      }
    } finally {
      committing.set(false);
    }
    List<FileChange> changes = cs.files().get();
    IdempotencyClaim claim = cs.idempotency();
    synchronized (this) {
      if (failNextCommits > 0) {
        failNextCommits--;
        throw new io.bigfile.file.StorageUnavailableException("injected failure", null);
      }
      if (claim != null && keys.containsKey(List.of(claim.principal(), claim.key()))) {
        throw new IdempotencyKeyTakenException(keys.get(List.of(claim.principal(), claim.key())));
      }
      if (pending.isEmpty() && changes.isEmpty()) {
        if (claim != null) {
          storeKey(claim, cs.snapshot());
        }
        return Optional.empty();
      }
      List<StoredConflict> conflicts = conflicts(cs.snapshot(), pending, changes);
      if (!conflicts.isEmpty()) {
        throw new ConflictException(conflicts);
      }
      long token = nextToken++;
      if (Boolean.FALSE.equals(loseNextAnswer)) {
        loseNextAnswer = null;
        throw new UnconfirmedCommitException(new PendingCommit(head + 1, token), null);
      }
      long rev = ++head;
      Instant now = clock.instant();
      revisions.put(rev, now);
      tokens.put(rev, token);
      Set<String> written = new java.util.HashSet<>();
      for (Pending p : pending) {
        var versions =
            blocks
                .computeIfAbsent(p.fileId(), k -> new TreeMap<>())
                .computeIfAbsent(p.blk(), k -> new TreeMap<>());
        byte[] content = p.content();
        long runStart = p.format() == BlockFormat.CHUNKED ? (p.newRun() ? rev : p.runStart()) : rev;
        int layer = 0;
        if (p.format() == BlockFormat.OVERLAY) {
          // apply the extents on top of the previous version, which must be the overlay's base or
          // its previous layer (or a version pack compacted: the layer starts a new overlay there)
          var prev = versions.lastEntry();
          runStart = p.runStart();
          layer = p.layer();
          if (prev != null
              && layer > 1
              && prev.getValue().format() != BlockFormat.OVERLAY
              && prev.getKey() > runStart) {
            runStart = prev.getKey();
            layer = 1;
          }
          boolean fits =
              layer == 1
                  ? (prev == null
                      ? runStart == 0
                      : prev.getKey() == runStart
                          && (prev.getValue().format() == BlockFormat.WHOLE
                              || prev.getValue().format() == BlockFormat.ZERO))
                  : prev != null
                      && prev.getValue().format() == BlockFormat.OVERLAY
                      && prev.getValue().runStart() == runStart
                      && prev.getValue().layer() == layer - 1;
          if (!fits) {
            throw new IllegalStateException("overlay layer without its base: " + p);
          }
          content =
              applyExtents(
                  prev == null ? BlockData.EMPTY : prev.getValue().content(),
                  p,
                  blockSizes.get(p.fileId()));
        }
        if (p.format() == BlockFormat.CHUNKED && !p.newRun()) {
          // apply the chunk diff on top of the previous version of the run
          var prev = versions.lastEntry();
          if (prev == null
              || prev.getValue().format() != BlockFormat.CHUNKED
              || prev.getValue().runStart() != p.runStart()) {
            throw new IllegalStateException("chunk diff without its run: " + p);
          }
          content = applyChunks(prev.getValue().content(), p, blockSizes.get(p.fileId()));
        }
        int len = trimmed(content);
        versions.put(rev, new Version(p.format(), runStart, new BlockData(content, len), layer));
        written.add(p.fileId() + ":" + p.blk());
      }
      for (FileChange f : changes) {
        if (f.created()) {
          blockSizes.put(f.fileId(), f.blockSize());
          created.put(f.fileId(), now);
        }
        if (f.zeroFrom() != Long.MAX_VALUE && !f.created()) {
          var fb = blocks.getOrDefault(f.fileId(), new TreeMap<>());
          for (var e : fb.tailMap(f.zeroFrom(), true).entrySet()) {
            if (!written.contains(f.fileId() + ":" + e.getKey())
                && e.getValue().lastEntry().getValue().format() != BlockFormat.ZERO) {
              e.getValue().put(rev, new Version(BlockFormat.ZERO, rev, BlockData.EMPTY));
            }
          }
        }
        FileChange m = f;
        if (!f.created()) {
          FileRecord latest = files.get(f.fileId()).lastEntry().getValue().record();
          m = f.onLatest(latest.name(), latest.contentType(), latest.size(), latest.format());
        }
        FileRecord r =
            new FileRecord(
                f.fileId(),
                blockSizes.get(f.fileId()),
                m.name(),
                m.contentType(),
                m.size(),
                m.format(),
                f.deleted(),
                rev,
                created.get(f.fileId()),
                now);
        files
            .computeIfAbsent(f.fileId(), k -> new TreeMap<>())
            .put(rev, new FileVersion(r, Change.mask(f.changes())));
      }
      if (claim != null) {
        storeKey(claim, rev);
      }
      if (Boolean.TRUE.equals(loseNextAnswer)) {
        loseNextAnswer = null;
        throw new UnconfirmedCommitException(new PendingCommit(rev, token), null);
      }
      return Optional.of(new CommitOutcome(rev, now));
    }
  }

  /** Stores a claim's key with its answer, the claim's file as {@code rev} sees it. */
  private void storeKey(IdempotencyClaim claim, long rev) {
    FileRecord answer = files.get(claim.fileId()).floorEntry(rev).getValue().record();
    keys.put(
        List.of(claim.principal(), claim.key()),
        new IdempotencyRecord(
            claim.principal(),
            claim.key(),
            claim.fingerprint().get(),
            rev,
            answer,
            clock.instant(),
            claim.expiresAt()));
  }

  @Override
  public synchronized Settlement settle(PendingCommit commit) {
    if (unreachable) {
      return Settlement.UNKNOWN;
    }
    Long token = tokens.get(commit.revision());
    if (token != null && token == commit.token()) {
      return Settlement.landed(
          new CommitOutcome(commit.revision(), revisions.get(commit.revision())));
    }
    return Settlement.LOST;
  }

  @Override
  public synchronized Optional<IdempotencyRecord> idempotencyRecord(String principal, String key) {
    return Optional.ofNullable(keys.get(List.of(principal, key)));
  }

  @Override
  public synchronized int forgetExpiredIdempotencyKeys(Instant now) {
    int before = keys.size();
    keys.values().removeIf(k -> !k.expiresAt().isAfter(now));
    return before - keys.size();
  }

  private static int trimmed(byte[] b) {
    int i = b.length;
    while (i > 0 && b[i - 1] == 0) {
      i--;
    }
    return i;
  }

  private record Chunk(int offset, byte[] data) {}

  /** A block write, copied out of the caller's buffer. */
  private record Pending(
      long fileId,
      long blk,
      BlockFormat format,
      long runStart,
      boolean newRun,
      byte[] content,
      List<Chunk> chunks,
      int layer) {

    Pending(
        long fileId,
        long blk,
        BlockFormat format,
        long runStart,
        boolean newRun,
        byte[] content,
        List<Chunk> chunks) {
      this(fileId, blk, format, runStart, newRun, content, chunks, 0);
    }
  }

  private static Pending decode(BlockWrite w) {
    EncodedBlock b = w.block();
    if (b instanceof EncodedBlock.Whole whole) {
      return new Pending(
          w.fileId(),
          w.blk(),
          BlockFormat.WHOLE,
          0,
          false,
          Arrays.copyOf(whole.buf(), whole.length()),
          List.of());
    }
    if (b instanceof EncodedBlock.Chunked ch) {
      List<Chunk> chunks = new ArrayList<>();
      int len = 0;
      for (EncodedBlock.Chunk c : ch.chunks()) {
        chunks.add(
            new Chunk(c.offset(), Arrays.copyOfRange(c.buf(), c.from(), c.from() + c.length())));
        if (c.length() > 0) {
          len = Math.max(len, c.offset() + c.length());
        }
      }
      byte[] content = new byte[len];
      for (Chunk c : chunks) {
        if (c.data().length > 0) {
          System.arraycopy(c.data(), 0, content, c.offset(), c.data().length);
        }
      }
      return new Pending(
          w.fileId(), w.blk(), BlockFormat.CHUNKED, w.runStart(), ch.newRun(), content, chunks);
    }
    if (b instanceof EncodedBlock.Overlay ov) {
      List<Chunk> extents = new ArrayList<>();
      for (EncodedBlock.Chunk c : ov.extents()) {
        extents.add(
            new Chunk(c.offset(), Arrays.copyOfRange(c.buf(), c.from(), c.from() + c.length())));
      }
      return new Pending(
          w.fileId(),
          w.blk(),
          BlockFormat.OVERLAY,
          w.runStart(),
          false,
          new byte[0],
          extents,
          ov.layer());
    }
    return new Pending(w.fileId(), w.blk(), BlockFormat.ZERO, 0, false, new byte[0], List.of());
  }

  private static byte[] applyExtents(BlockData prev, Pending p, int blockSize) {
    byte[] out = new byte[blockSize];
    System.arraycopy(prev.buf(), 0, out, 0, prev.length());
    for (Chunk c : p.chunks()) {
      if (c.offset() % Chunks.CHUNK_SIZE != 0 || c.offset() + c.data().length > blockSize) {
        throw new IllegalStateException("extent outside whole chunks of the block: " + p);
      }
      System.arraycopy(c.data(), 0, out, c.offset(), c.data().length);
    }
    return Arrays.copyOf(out, trimmed(out));
  }

  private static byte[] applyChunks(BlockData prev, Pending p, int blockSize) {
    byte[] out = new byte[blockSize];
    System.arraycopy(prev.buf(), 0, out, 0, prev.length());
    for (Chunk c : p.chunks()) {
      Arrays.fill(out, c.offset(), Math.min(blockSize, c.offset() + Chunks.CHUNK_SIZE), (byte) 0);
      if (c.data().length > 0) {
        System.arraycopy(c.data(), 0, out, c.offset(), c.data().length);
      }
    }
    return Arrays.copyOf(out, trimmed(out));
  }

  private List<StoredConflict> conflicts(
      long snapshot, List<Pending> pending, List<FileChange> changes) {
    List<StoredConflict> out = new ArrayList<>();
    for (FileChange f : changes) {
      ConflictRules.conflict(f, new Facts(f.fileId(), snapshot, pending)).ifPresent(out::add);
    }
    return out;
  }

  /** What the maps know of one file's commits after {@code snapshot}; the caller holds the lock. */
  private final class Facts implements ConflictFacts {

    private final long fileId;
    private final long snapshot;
    private final List<Pending> mine;
    private final TreeMap<Long, TreeMap<Long, Version>> fileBlocks;

    Facts(long fileId, long snapshot, List<Pending> pending) {
      this.fileId = fileId;
      this.snapshot = snapshot;
      this.mine = pending.stream().filter(p -> p.fileId() == fileId).toList();
      this.fileBlocks = blocks.getOrDefault(fileId, new TreeMap<>());
    }

    @Override
    public List<Long> blocksWrittenByBoth() {
      List<Long> out = new ArrayList<>();
      for (Pending p : mine) {
        var versions = fileBlocks.get(p.blk());
        if (versions != null && versions.lastKey() > snapshot) {
          out.add(p.blk());
        }
      }
      return out;
    }

    @Override
    public Optional<Later> later() {
      NavigableMap<Long, FileVersion> later =
          files.getOrDefault(fileId, new TreeMap<>()).tailMap(snapshot, false);
      if (later.isEmpty()) {
        return Optional.empty();
      }
      int theirs = 0;
      long minSize = Long.MAX_VALUE;
      for (FileVersion v : later.values()) {
        theirs |= v.changes();
        if (Change.of(v.changes()).contains(Change.SIZE)) {
          minSize = Math.min(minSize, v.record().size());
        }
      }
      return Optional.of(new Later(Change.of(theirs), minSize));
    }

    @Override
    public long maxWrittenBlock() {
      return mine.stream().mapToLong(Pending::blk).max().orElse(-1);
    }

    @Override
    public List<Long> laterBlocksFrom(long fromBlk, int limit) {
      List<Long> out = new ArrayList<>();
      for (var e : fileBlocks.tailMap(fromBlk, true).entrySet()) {
        if (e.getValue().lastKey() > snapshot && out.size() < limit) {
          out.add(e.getKey());
        }
      }
      return out;
    }
  }

  @Override
  public synchronized void retainFrom(long horizon) {
    oldest = Math.max(oldest, horizon);
  }

  @Override
  public synchronized void pack(long horizon) {
    for (var fb : blocks.values()) {
      for (TreeMap<Long, Version> versions : fb.values()) {
        Long keep = versions.floorKey(horizon);
        if (keep == null) {
          continue;
        }
        // an overlay's base and earlier layers stay while a later layer of it remains; the
        // content kept here is decoded, so only the formats tell them apart
        Version kept = versions.get(keep);
        Long from = keep;
        if (kept.format() == BlockFormat.OVERLAY) {
          Long base = versions.floorKey(kept.runStart());
          from = base != null && base == kept.runStart() ? base : keep;
        }
        versions.headMap(from, false).clear();
        // compaction: an overlay version no later layer continues becomes whole
        boolean continued =
            versions.tailMap(keep, false).values().stream()
                .anyMatch(
                    v -> v.format() == BlockFormat.OVERLAY && v.runStart() == kept.runStart());
        if (kept.format() == BlockFormat.OVERLAY && !continued) {
          versions.headMap(keep, false).clear();
          versions.put(
              keep,
              new Version(
                  kept.content().length() == 0 ? BlockFormat.ZERO : BlockFormat.WHOLE,
                  keep,
                  kept.content()));
        }
      }
    }
  }

  @Override
  public synchronized long revisionAtOrBefore(Instant time) {
    var e =
        revisions.entrySet().stream().filter(x -> !x.getValue().isAfter(time)).reduce((a, b) -> b);
    return e.map(Map.Entry::getKey).orElse(-1L);
  }

  @Override
  public synchronized void publishPin(String replica, long oldestSnapshot) {
    if (oldestSnapshot == Long.MAX_VALUE) {
      pins.remove(replica);
    } else {
      pins.put(replica, oldestSnapshot);
    }
  }

  @Override
  public synchronized long oldestPin(Duration lease) {
    return pins.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
  }
}

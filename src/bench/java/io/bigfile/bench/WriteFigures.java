package io.bigfile.bench;

import io.bigfile.bench.Results.Ratio;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Figure 2: sequential write of {@code seqBytes} into a new file (default block size and format),
 * by one autocommit PUT, and by range PUTs of {@code seqBytes/16} (64 MiB at full scale) inside one
 * transaction then its commit (timed from begin to the commit's answer); against a raw {@code COPY
 * ... FROM STDIN (FORMAT BINARY)} of the same number of rows of the same sizes and bytes (the rows
 * the autocommit PUT stored) into scratch tables of the same layout, in one transaction, committed.
 * A checkpoint is requested before each timed write on both sides.
 */
final class WriteFigures {

  private static final long SEED = 0x5eed_0002L;

  private WriteFigures() {}

  static void run(BenchConfig cfg, BenchDb db, Results results) {
    long size = cfg.scale().seqBytes();
    long piece = size / 16;
    Bench.log("figure 2: sequential writes of " + Bench.size(size));
    db.resetSchema();
    Results.Row put =
        results.row(
            "2a",
            "sequential write " + Bench.size(size) + ", 1 autocommit PUT",
            "MiB/s",
            "raw COPY BINARY of the same rows, 1 transaction",
            Ratio.OURS_OVER_BASE);
    Results.Row txn =
        results.row(
            "2b",
            "sequential write "
                + Bench.size(size)
                + ", "
                + Bench.size(piece)
                + " PUTs in 1 txn + commit",
            "MiB/s",
            "raw COPY BINARY of the same rows, 1 transaction",
            Ratio.OURS_OVER_BASE);
    try (InProcessService service = InProcessService.start(cfg, db);
        Connection raw = db.raw()) {
      Api api = service.api();
      // warm-up, untimed: every path once on an eighth of the size
      long w = Math.max(16 * BenchConfig.MiB, size / 8);
      String wid = api.createFile("{\"name\":\"warm-up\"}");
      api.replace(wid, w, SEED);
      writeInTransaction(api, api.createFile("{\"name\":\"warm-up-txn\"}"), w, w / 4, SEED);
      Raw.createScratch(raw);
      int blockSize = (int) Api.number(api.stat(wid), "blockSize");
      Raw.copy(raw, Raw.storedRows(raw, Raw.fileId(wid)), SEED, blockSize);

      for (int run = 1; run <= cfg.runs(); run++) {
        long seed = SEED + run;
        String a = api.createFile("{\"name\":\"put-" + run + "\"}");
        db.checkpoint();
        double tPut = Load.time(() -> api.replace(a, size, seed));
        List<Raw.StoredRow> rows = Raw.storedRows(raw, Raw.fileId(a));
        long rowBytes = Raw.totalBytes(rows);

        String b = api.createFile("{\"name\":\"txn-" + run + "\"}");
        db.checkpoint();
        double[] commit = new double[1];
        double tTxn = Load.time(() -> commit[0] = writeInTransaction(api, b, size, piece, seed));

        Raw.createScratch(raw);
        db.checkpoint();
        double tCopy = Load.time(() -> Raw.copy(raw, rows, seed, blockSize));

        double copy = ReadFigures.mibs(rowBytes, tCopy);
        put.add(ReadFigures.mibs(size, tPut), copy);
        txn.add(ReadFigures.mibs(size, tTxn), copy);
        Bench.log(
            String.format(
                "figure 2 run %d/%d: autocommit PUT %.0f, transaction %.0f (commit %.2f s of %.2f"
                    + " s), COPY %.0f MiB/s",
                run,
                cfg.runs(),
                ReadFigures.mibs(size, tPut),
                ReadFigures.mibs(size, tTxn),
                commit[0],
                tTxn,
                copy));
        if (run == 1) {
          long chunks = rows.stream().filter(Raw.StoredRow::chunk).count();
          results.note(
              "figure 2: the autocommit PUT stored "
                  + (rows.size() - chunks)
                  + " block rows and "
                  + chunks
                  + " chunk rows ("
                  + Bench.size(rowBytes)
                  + "); COPY writes as many rows of the same sizes and bytes; in the transaction"
                  + " case the commit call took "
                  + String.format("%.2f s of %.2f s", commit[0], tTxn));
        }
      }
      Raw.exec(raw, "DROP TABLE IF EXISTS bench_block_version", "DROP TABLE IF EXISTS bench_chunk");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Begin, range PUTs of {@code piece} bytes, commit; returns the seconds the commit took. */
  static double writeInTransaction(Api api, String id, long size, long piece, long seed) {
    String t = api.begin();
    for (long off = 0; off < size; off += piece) {
      api.writeAt(id, off, Math.min(piece, size - off), seed, t);
    }
    return Load.time(() -> api.commit(t));
  }
}

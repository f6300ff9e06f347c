package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BodySpoolTests {

  @TempDir Path dir;

  @Test
  void aSmallBodyStaysInMemory() throws IOException {
    BodySpool.Memory memory = new BodySpool.Memory(1 << 20);
    byte[] body = bytes(1000, 1);
    try (BodySpool spool = new BodySpool(memory, 4096, dir)) {
      writeInPieces(spool, body, 7);
      assertThat(spool.length()).isEqualTo(body.length);
      assertThat(spool.inFile()).isFalse();
      assertThat(memory.used()).isPositive().isLessThanOrEqualTo(4096);
      try (InputStream in = spool.read()) {
        assertThat(in.readAllBytes()).isEqualTo(body);
      }
    }
    assertThat(memory.used()).isZero();
  }

  @Test
  void aLargerBodyGoesToATemporaryFileThatLeavesNothingBehind() throws IOException {
    BodySpool.Memory memory = new BodySpool.Memory(1 << 20);
    byte[] body = bytes(300_000, 2);
    BodySpool spool = new BodySpool(memory, 4096, dir);
    writeInPieces(spool, body, 8192);
    assertThat(spool.inFile()).isTrue();
    assertThat(memory.used()).as("memory given back once the body went to its file").isZero();
    try (InputStream in = spool.read()) {
      assertThat(in.readAllBytes()).isEqualTo(body);
    }
    spool.close();
    spool.close();
    assertThat(filesIn(dir)).isZero();
  }

  @Test
  void bodiesGoToFilesOnceTheSharedMemoryIsTaken() throws IOException {
    BodySpool.Memory memory = new BodySpool.Memory(8192);
    byte[] first = bytes(8000, 3);
    byte[] second = bytes(3000, 4);
    try (BodySpool a = new BodySpool(memory, 64 * 1024, dir);
        BodySpool b = new BodySpool(memory, 64 * 1024, dir)) {
      writeInPieces(a, first, 1000);
      assertThat(a.inFile()).isFalse();
      writeInPieces(b, second, 1000);
      assertThat(b.inFile()).as("the second body, past the shared memory").isTrue();
      try (InputStream in = a.read()) {
        assertThat(in.readAllBytes()).isEqualTo(first);
      }
      try (InputStream in = b.read()) {
        assertThat(in.readAllBytes()).isEqualTo(second);
      }
    }
    assertThat(memory.used()).isZero();
    assertThat(filesIn(dir)).isZero();
  }

  @Test
  void anEmptyBodyReadsAsEmpty() throws IOException {
    try (BodySpool spool = new BodySpool(new BodySpool.Memory(0), 4096, dir);
        InputStream in = spool.read()) {
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  private static void writeInPieces(BodySpool spool, byte[] body, int piece) throws IOException {
    for (int off = 0; off < body.length; off += piece) {
      spool.write(body, off, Math.min(piece, body.length - off));
    }
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static long filesIn(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }
}

package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RangePart;
import io.bigfile.file.RangeParts;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The patch body readers, fed in reads of every size so that delimiters split across reads. */
class PatchBodiesTests {

  /** Hands out at most {@code chunk} bytes per read. */
  private static InputStream trickle(byte[] b, int chunk) {
    return new FilterInputStream(new ByteArrayInputStream(b)) {
      @Override
      public int read(byte[] buf, int off, int len) throws IOException {
        return super.read(buf, off, Math.min(len, chunk));
      }
    };
  }

  private static List<String> drain(RangeParts parts) throws IOException {
    List<String> out = new ArrayList<>();
    for (RangePart p = parts.next(); p != null; p = parts.next()) {
      String data = new String(p.body().readAllBytes(), StandardCharsets.ISO_8859_1);
      out.add(p.offset() + "+" + p.length() + "=" + data);
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 64, 100_000})
  void readsMultipartPartsWhateverTheReadSizes(int chunk) throws IOException {
    String body =
        "preamble\r\n--XYZ\r\nContent-Range: bytes 0-4/*\r\n\r\nhello\r\n"
            + "--XYZ\r\ncontent-range: bytes 100-109/200\r\nContent-Type: text/plain\r\n\r\n--XY\r\n--XY\r\n--XYZ--\r\nepilogue";
    RangeParts parts =
        PatchBodies.multipart(trickle(body.getBytes(StandardCharsets.ISO_8859_1), chunk), "XYZ");
    assertThat(drain(parts)).containsExactly("0+5=hello", "100+10=--XY\r\n--XY");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 4096})
  void readsAMessageByterange(int chunk) throws IOException {
    String body =
        "Content-Range: bytes 10-12/*\r\nContent-Type: application/octet-stream\r\n\r\nabc";
    assertThat(
            drain(
                PatchBodies.messageByterange(
                    trickle(body.getBytes(StandardCharsets.ISO_8859_1), chunk))))
        .containsExactly("10+3=abc");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--B\r\nContent-Range: bytes 0-0/*\r\n\r\nA", // no closing delimiter
        "--B\r\nContent-Range: bytes 0-0/*\r\n", // ends in the header section
        "nothing here",
      })
  void refusesCutOffBodies(String body) {
    RangeParts parts =
        PatchBodies.multipart(
            new ByteArrayInputStream(body.getBytes(StandardCharsets.ISO_8859_1)), "B");
    assertThatThrownBy(() -> drain(parts)).isInstanceOf(InvalidRequestException.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"multipart/byteranges; boundary=abc", "multipart/byteranges;boundary=\"abc\""})
  void findsTheBoundary(String type) {
    assertThat(PatchBodies.parameter(type, "boundary")).isEqualTo("abc");
  }

  @Test
  void anOpenRangeAtANegativeOrSignedOffsetIsMalformed() {
    for (String first : new String[] {"-5", "+5"}) {
      String body = "Content-Range: bytes " + first + "-*/*\r\nContent-Length: 2\r\n\r\nxy";
      assertThatThrownBy(
              () ->
                  PatchBodies.messageByterange(
                          new ByteArrayInputStream(body.getBytes(StandardCharsets.ISO_8859_1)))
                      .next())
          .as(first)
          .isInstanceOf(InvalidRequestException.class);
    }
  }

  @Test
  void aNegativePartLengthIsMalformed() {
    String body = "Content-Range: bytes 0-*/*\r\nContent-Length: -1\r\n\r\nxy";
    assertThatThrownBy(
            () ->
                PatchBodies.messageByterange(
                        new ByteArrayInputStream(body.getBytes(StandardCharsets.ISO_8859_1)))
                    .next())
        .isInstanceOf(InvalidRequestException.class);
  }

  @Test
  void theMediaTypeOfAPatchIsTypeSlashSubtypeOrMalformed() {
    assertThat(PatchBodies.mediaType(null)).isEmpty();
    assertThat(PatchBodies.mediaType(" ")).isEmpty();
    assertThat(PatchBodies.mediaType("Multipart/ByteRanges; boundary=B"))
        .isEqualTo("multipart/byteranges");
    assertThat(PatchBodies.mediaType(" message/byterange ")).isEqualTo("message/byterange");
    for (String bad : new String[] {";;;", ";", "multipart", "/x", "a/b c", "a b/c;x=y"}) {
      assertThatThrownBy(() -> PatchBodies.mediaType(bad))
          .as(bad)
          .isInstanceOf(InvalidRequestException.class);
    }
  }
}

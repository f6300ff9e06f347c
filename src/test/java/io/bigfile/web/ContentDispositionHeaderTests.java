package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.http.ContentDisposition;

/** RFC 6266 {@code Content-Disposition} for a file's name. */
class ContentDispositionHeaderTests {

  @Test
  void aVisibleAsciiNameIsSentAsItIs() {
    assertThat(ContentDispositionHeader.inline("scene 7 (final).tif"))
        .isEqualTo("inline; filename=\"scene 7 (final).tif\"");
  }

  @Test
  void otherNamesGetAnAsciiFallbackAndTheExactNameInFilenameStar() {
    assertThat(ContentDispositionHeader.inline("Straße €.mp4"))
        .isEqualTo(
            "inline; filename=\"Stra_e _.mp4\"; filename*=UTF-8''Stra%C3%9Fe%20%E2%82%AC.mp4");
    assertThat(ContentDispositionHeader.inline("a\"b\\c\r\nd\uD83C\uDFA5.bin"))
        .isEqualTo(
            "inline; filename=\"a_b_c__d_.bin\";"
                + " filename*=UTF-8''a%22b%5Cc%0D%0Ad%F0%9F%8E%A5.bin");
  }

  @Test
  void aStandardParserReadsTheExactNameBack() {
    for (String name : new String[] {"plain.bin", "日本語 ファイル.csv", "x;y=\"z\".txt", "%41.bin"}) {
      ContentDisposition d = ContentDisposition.parse(ContentDispositionHeader.inline(name));
      assertThat(d.isInline()).isTrue();
      assertThat(d.getFilename()).as(name).isEqualTo(name);
      String header = ContentDispositionHeader.inline(name);
      assertThat(header.getBytes(StandardCharsets.US_ASCII))
          .as("only ASCII on the wire")
          .isEqualTo(header.getBytes(StandardCharsets.UTF_8));
    }
  }
}

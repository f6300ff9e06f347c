package io.bigfile.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A file's name: Unicode text without control characters, of bounded length. */
class FileNamesTests {

  @Test
  void textInAnyScriptUpToTheLimitIsKept() {
    for (String ok :
        new String[] {
          "",
          "report.pdf",
          "a b\u00a0c",
          "\u65e5\u672c\u8a9e.txt",
          "\ud83d\udcc1 folder", // a pair of surrogates: one code point
          "x".repeat(FileNames.MAX_LENGTH),
          "\ud83d\ude00".repeat(FileNames.MAX_LENGTH) // 2048 chars, 1024 code points
        }) {
      assertThat(FileNames.check(ok)).isEqualTo(ok);
    }
  }

  @Test
  void controlCharactersLoneSurrogatesAndOverlongNamesAreRefused() {
    for (String bad :
        new String[] {
          "a\u0000b",
          "line\nbreak",
          "tab\there",
          "\u007f",
          "c1\u0085",
          "lone \ud800 high",
          "lone \udc00 low",
          "ends high \ud83d",
          "x".repeat(FileNames.MAX_LENGTH + 1),
          "\ud83d\ude00".repeat(FileNames.MAX_LENGTH) + "x"
        }) {
      assertThatThrownBy(() -> FileNames.check(bad))
          .as(bad.length() > 20 ? bad.length() + " chars" : bad)
          .isInstanceOf(InvalidRequestException.class);
    }
  }

  @Test
  void theValueRecordsCheckNames() {
    assertThatThrownBy(() -> new NewFile("a\u0000b", null, null))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> new FileUpdate(null, null, "a\u0000b"))
        .isInstanceOf(InvalidRequestException.class);
    assertThat(new NewFile("ok", null, null).name()).isEqualTo("ok");
  }
}

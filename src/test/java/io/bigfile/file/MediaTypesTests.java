package io.bigfile.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The media type grammar of RFC 9110 section 8.3.1, as a file's {@code contentType}. */
class MediaTypesTests {

  @Test
  void mediaTypesWithAndWithoutParametersAreKeptAsGiven() {
    for (String ok :
        new String[] {
          "video/mp4",
          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          "image/tiff; application=geotiff",
          "text/csv;charset=utf-8;header=present",
          "text/plain ;\tcharset=\"utf-8\"",
          "application/x-thing; note=\"a;b \\\"c\\\"\"",
          "text/plain;",
          "*/*",
          "a/" + "b".repeat(MediaTypes.MAX_LENGTH - 2)
        }) {
      assertThat(MediaTypes.check(ok)).isEqualTo(ok);
    }
  }

  @Test
  void anythingElseIsRefusedWithAReason() {
    for (String bad :
        new String[] {
          "",
          "video",
          "video/",
          "/mp4",
          "video/mp4 ",
          " video/mp4",
          "video /mp4",
          "video/mp4; charset",
          "video/mp4; =x",
          "video/mp4; a=",
          "video/mp4; a=\"open",
          "video/mp4; a=b c",
          "text/html\r\nSet-Cookie: x=1",
          "text/plain; name=\"caf\u00e9\"",
          "vid\u00e9o/mp4",
          "video/mp4, text/html",
          "a/" + "b".repeat(MediaTypes.MAX_LENGTH - 1)
        }) {
      assertThatThrownBy(() -> MediaTypes.check(bad))
          .as(bad)
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("contentType");
    }
  }

  @Test
  void anUpdateTakesTheEmptyStringToRemoveTheTypeButACreationDoesNot() {
    assertThat(new FileUpdate(null, null, null, "").newContentType()).isNull();
    assertThat(new FileUpdate(null, null, null, "").isEmpty()).isFalse();
    assertThat(new FileUpdate(null, null, null, "text/plain").newContentType())
        .isEqualTo("text/plain");
    assertThat(new FileUpdate(null, null, "n").contentType()).isNull();
    assertThatThrownBy(() -> new NewFile(null, null, null, ""))
        .isInstanceOf(InvalidRequestException.class);
    assertThatThrownBy(() -> new FileUpdate(null, null, null, "text"))
        .isInstanceOf(InvalidRequestException.class);
  }
}

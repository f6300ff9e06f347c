package io.bigfile.security.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bigfile.security.links.LinkRefusedException.Reason;
import org.junit.jupiter.api.Test;

class LinkParamsTests {

  private static final String LINK =
      "link-op=read&link-expires=1767225600&link-key=k1&link-sub=alice%40example.com&link-sig=abc";

  @Test
  void aQueryWithoutLinkParametersIsNoLink() throws Exception {
    assertThat(LinkParams.of(null)).isNull();
    assertThat(LinkParams.of("")).isNull();
    assertThat(LinkParams.of("at=5&txn=t1")).isNull();
    assertThat(LinkParams.of("name=link-op")).isNull();
  }

  @Test
  void theParametersAreDecoded() throws Exception {
    LinkParams p = LinkParams.of("at=12&" + LINK + "&other=1");
    assertThat(p)
        .isEqualTo(new LinkParams("read", "1767225600", "k1", "alice@example.com", "abc", "12"));
    assertThat(LinkParams.of(LINK).at()).isNull();
  }

  @Test
  void anIncompleteAmbiguousOrUnknownSetIsRefused() {
    String[] bad = {
      "link-op=read", // the rest missing
      LINK.replace("&link-sig=abc", ""),
      LINK + "&link-sig=abc", // twice
      LINK + "&link-extra=1",
      LINK + "&at=1&at=2",
      LINK.replace("link-sub=alice%40example.com", "link-sub=%zz"),
    };
    for (String q : bad) {
      assertThatThrownBy(() -> LinkParams.of(q))
          .as(q)
          .isInstanceOfSatisfying(
              LinkRefusedException.class, r -> assertThat(r.reason()).isEqualTo(Reason.MALFORMED));
    }
  }

  @Test
  void aLinkCannotBeUsedInATransaction() {
    assertThatThrownBy(() -> LinkParams.of(LINK + "&txn=t1"))
        .isInstanceOfSatisfying(
            LinkRefusedException.class, r -> assertThat(r.reason()).isEqualTo(Reason.TRANSACTION));
  }
}

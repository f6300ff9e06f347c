package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The limits on Range headers (bigfile.ranges.*, defaults 100 ranges, 2 overlapping, 2000 ranges
 * that ascend without overlapping): a request over a limit gets the whole body as 200 instead of an
 * amplified 206.
 */
class RangeLimitsHttpIT extends HttpTestBase {

  @Test
  void amplifyingRangeSetsGetTheWholeBody() {
    String id = newFile(BLOCK, "auto");
    byte[] data = random(1000, 1);
    replace(id, data);

    // 101 single bytes, not in ascending order: over max-ranges
    StringBuilder many = new StringBuilder("bytes=0-0");
    for (int i = 100; i >= 1; i--) {
      many.append(',').append(i * 2).append('-').append(i * 2);
    }
    assertBytes(assertStatus(get(contentPath(id), "Range", many.toString()), 200).body(), data);

    StringBuilder hundred = new StringBuilder("bytes=0-0");
    for (int i = 99; i >= 1; i--) {
      hundred.append(',').append(i * 2).append('-').append(i * 2);
    }
    assertThat(multipart(assertStatus(get(contentPath(id), "Range", hundred.toString()), 206)))
        .hasSize(100);

    assertStatus(get(contentPath(id), "Range", "bytes=0-99,50-149,60-159,70-79"), 200);
    assertThat(
            multipart(assertStatus(get(contentPath(id), "Range", "bytes=0-99,50-149,60-159"), 206)))
        .hasSize(3);
    assertBytes(assertStatus(get(contentPath(id), "Range", "bytes=0-799,-500"), 200).body(), data);
    assertStatus(head(contentPath(id), "Range", "bytes=0-799,-500"), 200);
  }

  /** What GDAL sends with GDAL_HTTP_MULTIRANGE=SINGLE_GET: up to 250 ascending tile ranges. */
  @Test
  void twoHundredFiftyAscendingRangesAreServedAsParts() {
    String id = newFile(64 * 1024, "auto");
    byte[] data = random(1_000_000, 2);
    replace(id, data);

    StringBuilder header = new StringBuilder("bytes=");
    for (int i = 0; i < 250; i++) {
      long first = i * 4000L + (i % 7) * 100;
      header.append(i == 0 ? "" : ",").append(first).append('-').append(first + 1499 + i);
    }
    HttpResponse<byte[]> r = assertStatus(get(contentPath(id), "Range", header.toString()), 206);
    assertThat(header(r, "Content-Type")).startsWith("multipart/byteranges");
    List<Part> parts = multipart(r);
    assertThat(parts).hasSize(250);
    for (int i = 0; i < 250; i++) {
      long first = i * 4000L + (i % 7) * 100;
      long last = first + 1499 + i;
      assertThat(parts.get(i).contentRange())
          .isEqualTo("bytes " + first + "-" + last + "/" + data.length);
      assertBytes(parts.get(i).data(), slice(data, first, last + 1));
    }

    // the same ranges in another order: over max-ranges, and not ascending
    StringBuilder shuffled = new StringBuilder("bytes=");
    for (int i = 249; i >= 0; i--) {
      long first = i * 4000L;
      shuffled.append(i == 249 ? "" : ",").append(first).append('-').append(first + 1499);
    }
    assertBytes(assertStatus(get(contentPath(id), "Range", shuffled.toString()), 200).body(), data);
  }
}

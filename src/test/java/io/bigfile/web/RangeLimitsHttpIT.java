package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The limits on Range headers (bigfile.ranges.*, defaults 100 ranges, 2 overlapping): a request
 * over a limit gets the whole body as 200 instead of an amplified 206.
 */
class RangeLimitsHttpIT extends HttpTestBase {

  @Test
  void amplifyingRangeSetsGetTheWholeBody() {
    String id = newFile(BLOCK, "auto");
    byte[] data = random(1000, 1);
    replace(id, data);

    StringBuilder many = new StringBuilder("bytes=0-0");
    for (int i = 1; i <= 100; i++) {
      many.append(',').append(i * 2).append('-').append(i * 2);
    }
    assertBytes(assertStatus(get(contentPath(id), "Range", many.toString()), 200).body(), data);

    StringBuilder hundred = new StringBuilder("bytes=0-0");
    for (int i = 1; i < 100; i++) {
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
}

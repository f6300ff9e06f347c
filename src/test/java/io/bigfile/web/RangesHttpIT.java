package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * GET /v1/files/{id}/ranges: the byte ranges that hold data, and the ranges changed since a
 * revision.
 */
class RangesHttpIT extends HttpTestBase {

  private static List<String> ranges(JsonNode page) {
    List<String> out = new ArrayList<>();
    for (JsonNode r : page.get("ranges")) {
      out.add(r.get("offset").asLong() + "+" + r.get("length").asLong());
    }
    return out;
  }

  private static long revision(JsonNode file) {
    return file.get("revision").asLong();
  }

  @Test
  void listsDataAndLeavesHolesOut() {
    String id = newFile(BLOCK, "auto");
    writeAt(id, 0, random(10, 1)); // block 0
    writeAt(id, 2 * BLOCK + 5, random(BLOCK, 2)); // blocks 2 and 3
    writeAt(id, 10 * BLOCK, random(100, 3)); // block 10, the file ends inside it
    JsonNode page = json(get("/v1/files/" + id + "/ranges"), 200);
    assertThat(ranges(page))
        .containsExactly("0+" + BLOCK, 2 * BLOCK + "+" + 2 * BLOCK, 10 * BLOCK + "+100");
    assertThat(page.get("size").asLong()).isEqualTo(10 * BLOCK + 100);
    // a block written with zeros holds no data
    writeAt(id, 0, new byte[BLOCK]);
    assertThat(ranges(json(get("/v1/files/" + id + "/ranges"), 200)))
        .first()
        .isEqualTo(2 * BLOCK + "+" + 2 * BLOCK);
  }

  @Test
  void pagesWithACursor() {
    String id = newFile(BLOCK, "whole");
    for (int i = 0; i < 7; i++) {
      writeAt(id, 2L * i * BLOCK, random(1, i));
    }
    List<String> all = new ArrayList<>();
    String cursor = "";
    int pages = 0;
    do {
      JsonNode page = json(get("/v1/files/" + id + "/ranges?limit=3" + cursor), 200);
      all.addAll(ranges(page));
      JsonNode next = page.get("nextCursor");
      cursor = next == null || next.isNull() ? null : "&cursor=" + next.asString();
      pages++;
    } while (cursor != null);
    assertThat(pages).isEqualTo(3);
    assertThat(all).hasSize(7).first().isEqualTo("0+" + BLOCK);
    assertThat(all).last().isEqualTo(12 * BLOCK + "+1");
  }

  @Test
  void listsWhatChangedSinceARevisionAndReadsThePast() {
    String id = newFile(BLOCK, "chunked");
    writeAt(id, 0, random(8 * BLOCK, 1));
    long v1 = revision(stat(id));
    writeAt(id, 3 * BLOCK + 1, random(10, 2));
    writeAt(id, 5 * BLOCK, new byte[BLOCK]); // data to zeros is a change too
    JsonNode diff = json(get("/v1/files/" + id + "/ranges?since=" + v1), 200);
    assertThat(ranges(diff)).containsExactly(3 * BLOCK + "+" + BLOCK, 5 * BLOCK + "+" + BLOCK);
    assertThat(diff.get("since").asLong()).isEqualTo(v1);
    assertThat(diff.get("sizeAtSince").asLong()).isEqualTo(8 * BLOCK);
    // a truncation changes the new last block; the size says the rest is gone
    json(patch("/v1/files/" + id, "{\"size\":" + (2 * BLOCK + 7) + "}"), 200);
    JsonNode after = json(get("/v1/files/" + id + "/ranges?since=" + v1), 200);
    assertThat(after.get("size").asLong()).isEqualTo(2 * BLOCK + 7);
    assertThat(ranges(after)).containsExactly(2 * BLOCK + "+7");
    // at= lists the past
    assertThat(ranges(json(get("/v1/files/" + id + "/ranges?at=" + v1), 200)))
        .containsExactly("0+" + 8 * BLOCK);
  }

  @Test
  void seesTheTransactionsOwnWrites() {
    String id = newFile(BLOCK, "auto");
    writeAt(id, 0, random(10, 1));
    long v = revision(stat(id));
    String t = begin();
    writeAt(id, 4 * BLOCK, random(10, 2), "?txn=" + t);
    writeAt(id, 0, new byte[10], "?txn=" + t);
    assertThat(ranges(json(get("/v1/files/" + id + "/ranges?txn=" + t), 200)))
        .containsExactly(4 * BLOCK + "+10");
    assertThat(ranges(json(get("/v1/files/" + id + "/ranges?txn=" + t + "&since=" + v), 200)))
        .containsExactly("0+" + BLOCK, 4 * BLOCK + "+10");
    assertThat(ranges(json(get("/v1/files/" + id + "/ranges"), 200))).containsExactly("0+10");
  }

  @Test
  void badParametersAreRefused() {
    String id = newFile(BLOCK, "auto");
    writeAt(id, 0, random(10, 1));
    long head = revision(stat(id));
    assertProblem(get("/v1/files/" + id + "/ranges?since=" + (head + 1000)), 400);
    assertProblem(get("/v1/files/" + id + "/ranges?cursor=-5"), 400);
    assertProblem(get("/v1/files/" + id + "/ranges?limit=0"), 400);
    assertProblem(get("/v1/files/0000000000000001/ranges"), 404);
  }
}

package io.bigfile.web;

import static org.awaitility.Awaitility.await;

import io.bigfile.engine.Engine;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * {@code at} older than the retained history is 410. The service runs here with a retention window
 * of a millisecond and no background pack; the test packs explicitly (the only step that does not
 * go through HTTP). It gets its own application context.
 */
@TestPropertySource(
    properties = {"bigfile.history.retention=1ms", "bigfile.history.pack-interval=1d"})
class RetentionHttpIT extends HttpTestBase {

  @Autowired Engine engine;

  @Test
  void atOlderThanTheRetainedHistoryIs410() {
    String id = newFile(BLOCK);
    byte[] v1 = random(2 * BLOCK, 50);
    long r1 = replace(id, v1).path("revision").asLong();
    byte[] v2 = random(2 * BLOCK, 51);
    long r2 = replace(id, v2).path("revision").asLong();
    assertBytes(read(id, "?at=" + r1), v1);

    // r2 falls out of the 1 ms window as soon as the clock moves on; pack until it has
    long[] horizon = {-1};
    await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(5))
        .until(() -> (horizon[0] = Math.max(horizon[0], engine.pack())) > r1);

    assertProblem(get(contentPath(id) + "?at=" + r1), 410);
    assertProblem(get("/v1/files/" + id + "?at=" + r1), 410);
    assertProblem(get(contentPath(id) + "?at=0"), 410);
    // what the head sees is kept
    assertBytes(read(id), v2);
    assertBytes(read(id, "?at=" + Math.max(r2, horizon[0])), v2);
  }
}

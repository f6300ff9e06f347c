package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.web.ReceivedBody.Outcome;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One body's reception: what arrives is spooled, and it ends exactly once, dispatched to be handled
 * or refused. Times are given, never measured.
 */
class ReceivedBodyTests {

  private static final long SECOND = 1_000_000_000L;

  @TempDir Path dir;

  private final Async async = new Async();
  private final Input in = new Input();
  private final AtomicInteger finished = new AtomicInteger();
  private final List<Outcome> refusals = new ArrayList<>();

  private ReceivedBody body(long now) {
    return new ReceivedBody(
        async,
        in,
        new BodySpool(new BodySpool.Memory(1 << 20), 1024, dir),
        1000,
        now,
        o -> finished.incrementAndGet(),
        refusals::add);
  }

  @Test
  void whatArrivesIsSpooledAndTheCompleteBodyIsDispatched() throws IOException {
    ReceivedBody b = body(0);
    in.arrive("hello ");
    b.onDataAvailable();
    in.arrive("world");
    b.onDataAvailable();
    assertThat(b.outcome()).isEqualTo(Outcome.RECEIVING);
    assertThat(async.dispatched).isZero();

    in.finished = true;
    b.onAllDataRead();

    assertThat(b.outcome()).isEqualTo(Outcome.RECEIVED);
    assertThat(async.dispatched).isEqualTo(1);
    assertThat(finished).hasValue(1);
    try (InputStream body = b.body()) {
      assertThat(new String(body.readAllBytes(), StandardCharsets.US_ASCII))
          .isEqualTo("hello world");
    }
    b.close();
  }

  @Test
  void aBodySlowerThanTheMinimumOverAWindowIsRefusedOnce() throws IOException {
    ReceivedBody b = body(0);
    in.arrive("x".repeat(100));
    b.onDataAvailable();
    assertThat(b.checkRate(5 * SECOND, 10 * SECOND, 100)).as("within the first window").isFalse();
    assertThat(b.checkRate(10 * SECOND, 10 * SECOND, 100)).as("100 bytes in the window").isFalse();
    in.arrive("x".repeat(99));
    b.onDataAvailable();
    assertThat(b.checkRate(19 * SECOND, 10 * SECOND, 100)).isFalse();

    assertThat(b.checkRate(20 * SECOND, 10 * SECOND, 100)).as("99 bytes in the window").isTrue();

    assertThat(b.outcome()).isEqualTo(Outcome.TOO_SLOW);
    assertThat(async.dispatched).isEqualTo(1);
    in.arrive("late");
    b.onDataAvailable();
    in.finished = true;
    b.onAllDataRead();
    assertThat(b.outcome()).isEqualTo(Outcome.TOO_SLOW);
    assertThat(b.length()).as("nothing is taken after the refusal").isEqualTo(199);
    assertThat(async.dispatched).isEqualTo(1);
    assertThat(finished).hasValue(1);
    b.close();
  }

  @Test
  void aStalledBodyIsRefusedAfterOneWindow() {
    ReceivedBody b = body(3 * SECOND);
    assertThat(b.checkRate(12 * SECOND, 10 * SECOND, 1)).isFalse();
    assertThat(b.checkRate(13 * SECOND, 10 * SECOND, 1)).isTrue();
    assertThat(b.outcome()).isEqualTo(Outcome.TOO_SLOW);
  }

  /**
   * A failed read is noted; the answer comes with the container's error handling that follows it: a
   * body cut short is dispatched to be refused, a broken connection given up.
   */
  @Test
  void aBodyCutShortIsAnsweredAndABrokenConnectionIsGivenUp() {
    List<Outcome> told = new ArrayList<>();
    ReceivedBody cut =
        new ReceivedBody(
            async,
            in,
            new BodySpool(new BodySpool.Memory(0), 0, dir),
            1000,
            0,
            told::add,
            refusals::add);
    EOFException eof = new EOFException("Unexpected EOF read on the socket");
    cut.onError(eof);
    assertThat(cut.outcome()).isEqualTo(Outcome.CUT_SHORT);
    assertThat(refusals).isEmpty();
    cut.onError(new AsyncEvent(async, eof));
    cut.onError(new AsyncEvent(async, eof));
    assertThat(refusals).containsExactly(Outcome.CUT_SHORT);
    assertThat(async.completed).isEqualTo(1);
    assertThat(async.dispatched).isZero();

    Async other = new Async();
    ReceivedBody lost =
        new ReceivedBody(
            other,
            in,
            new BodySpool(new BodySpool.Memory(0), 0, dir),
            1000,
            0,
            told::add,
            refusals::add);
    IOException reset = new IOException("Connection reset by peer");
    lost.onError(reset);
    lost.onError(new AsyncEvent(other, reset));
    assertThat(lost.outcome()).isEqualTo(Outcome.LOST);
    assertThat(other.dispatched).isZero();
    assertThat(other.completed).isEqualTo(1);
    assertThat(refusals).as("no answer on a broken connection").hasSize(1);
    assertThat(told).containsExactly(Outcome.CUT_SHORT, Outcome.LOST);

    // a chunked coding the container cannot parse is answered, like a body cut short
    Async third = new Async();
    ReceivedBody malformed =
        new ReceivedBody(
            third,
            in,
            new BodySpool(new BodySpool.Memory(0), 0, dir),
            1000,
            0,
            told::add,
            refusals::add);
    IOException badChunk = new IOException("Invalid chunk header");
    badChunk.setStackTrace(
        new StackTraceElement[] {
          new StackTraceElement(
              "org.apache.coyote.http11.filters.ChunkedInputFilter",
              "parseChunkHeader",
              "ChunkedInputFilter.java",
              1)
        });
    malformed.onError(badChunk);
    malformed.onError(new AsyncEvent(third, badChunk));
    assertThat(malformed.outcome()).isEqualTo(Outcome.CUT_SHORT);
    assertThat(refusals).containsExactly(Outcome.CUT_SHORT, Outcome.CUT_SHORT);
  }

  @Test
  void aFailedReadEndsTheReceptionOnce() {
    ReceivedBody b = body(0);
    in.failure = new EOFException("Unexpected EOF read on the socket");
    b.onDataAvailable();
    b.onError(in.failure);
    b.onError(new AsyncEvent(async, in.failure));
    assertThat(b.outcome()).isEqualTo(Outcome.CUT_SHORT);
    assertThat(finished).hasValue(1);
    assertThat(refusals).containsExactly(Outcome.CUT_SHORT);
    assertThat(async.completed).isEqualTo(1);
  }

  @Test
  void aBodyLongerThanTheMaximumIsRefusedBeforeItIsStored() throws IOException {
    ReceivedBody b = body(0);
    in.arrive("x".repeat(600));
    b.onDataAvailable();
    in.arrive("x".repeat(401));
    b.onDataAvailable();
    assertThat(b.outcome()).isEqualTo(Outcome.TOO_LARGE);
    assertThat(b.length()).isEqualTo(600);
    assertThat(async.dispatched).isEqualTo(1);
  }

  @Test
  void theContainersReadTimeoutIsASlowBody() {
    ReceivedBody b = body(0);
    b.onError(new AsyncEvent(async, new IOException(new SocketTimeoutException())));
    assertThat(b.outcome()).isEqualTo(Outcome.TOO_SLOW);
    assertThat(refusals).containsExactly(Outcome.TOO_SLOW);
    assertThat(async.completed).isEqualTo(1);
  }

  /** Bytes that arrived and were not read yet. */
  private static final class Input extends ServletInputStream {
    private final Deque<Integer> bytes = new ArrayDeque<>();
    boolean finished;
    IOException failure;

    void arrive(String s) {
      for (byte b : s.getBytes(StandardCharsets.US_ASCII)) {
        bytes.add(b & 0xff);
      }
    }

    @Override
    public boolean isFinished() {
      return finished && bytes.isEmpty();
    }

    @Override
    public boolean isReady() {
      return failure != null || !bytes.isEmpty();
    }

    @Override
    public void setReadListener(ReadListener readListener) {
      throw new UnsupportedOperationException();
    }

    @Override
    public int read() throws IOException {
      if (failure != null) {
        throw failure;
      }
      return bytes.isEmpty() ? -1 : bytes.poll();
    }
  }

  /** Counts dispatches and completions. */
  private static final class Async implements AsyncContext {
    int dispatched;
    int completed;

    @Override
    public void dispatch() {
      dispatched++;
    }

    @Override
    public void complete() {
      completed++;
    }

    @Override
    public ServletRequest getRequest() {
      throw new UnsupportedOperationException();
    }

    @Override
    public ServletResponse getResponse() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
      return true;
    }

    @Override
    public void dispatch(String path) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void dispatch(ServletContext context, String path) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void start(Runnable run) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void addListener(AsyncListener listener) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void addListener(
        AsyncListener listener, ServletRequest request, ServletResponse response) {
      throw new UnsupportedOperationException();
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> clazz) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void setTimeout(long timeout) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long getTimeout() {
      return 0;
    }
  }
}

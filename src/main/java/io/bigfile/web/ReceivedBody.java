package io.bigfile.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request body being received without a thread (Servlet non-blocking input, section 3.7 of
 * Jakarta Servlet 6.1): the container calls it when bytes arrive, it appends them to its spool, and
 * once the body is complete or refused it dispatches the request again to be handled ({@link
 * ReceivedBodies}). Between two calls it holds no thread, no database connection and no lock of a
 * transaction: only its spool and the connection.
 *
 * <p>Thread-safe: the container's threads (arrivals), the rate monitor's thread and the handling
 * thread meet under this object's lock. It finishes exactly once, with one {@link Outcome}.
 */
final class ReceivedBody implements ReadListener, AsyncListener {

  private static final Logger LOG = LoggerFactory.getLogger(ReceivedBody.class);

  /** How a body's reception ended. */
  enum Outcome {
    /** Still arriving. */
    RECEIVING,
    /** Complete: the request is handled with the spooled body. */
    RECEIVED,
    /** Slower than the minimum rate, or stalled: refused with 408. */
    TOO_SLOW,
    /**
     * Ended before its declared length or its last chunk (the client closed the connection or its
     * side of it), or a chunked coding the container could not parse: refused with 400 when the
     * connection still takes an answer.
     */
    CUT_SHORT,
    /** Longer than any file may be: refused with 413. */
    TOO_LARGE,
    /** Could not be stored (no room for its temporary file): refused with 503. */
    NO_ROOM,
    /** The connection broke: there is no one to answer. */
    LOST
  }

  /** Each container thread reads into its own buffer, so a body waiting for bytes holds none. */
  private static final ThreadLocal<byte[]> READ_BUFFER =
      ThreadLocal.withInitial(() -> new byte[16 * 1024]);

  /** Writes the answer to a refused body. */
  @FunctionalInterface
  interface Refusal {
    void send(Outcome outcome) throws IOException;
  }

  /** This thread's buffer for reading what arrived. */
  static byte[] readBuffer() {
    return READ_BUFFER.get();
  }

  private final AsyncContext async;
  private final ServletInputStream in;
  private final BodySpool spool;
  private final long maxLength;
  private final Consumer<Outcome> finished;
  private final Refusal refusal;
  private Outcome outcome = Outcome.RECEIVING;
  private long windowStart;
  private long windowLength;
  private boolean responded;

  /**
   * @param maxLength the longest body taken; a longer one is refused
   * @param finished told once, with the outcome, when the body's reception ends
   * @param refusal answers a refused body at once, in the container's error handling
   */
  ReceivedBody(
      AsyncContext async,
      ServletInputStream in,
      BodySpool spool,
      long maxLength,
      long now,
      Consumer<Outcome> finished,
      Refusal refusal) {
    this.async = async;
    this.in = in;
    this.spool = spool;
    this.maxLength = maxLength;
    this.finished = finished;
    this.refusal = refusal;
    this.windowStart = now;
  }

  synchronized Outcome outcome() {
    return outcome;
  }

  /** The whole body, once {@link Outcome#RECEIVED}. */
  synchronized InputStream body() throws IOException {
    if (outcome != Outcome.RECEIVED) {
      throw new IllegalStateException("the body was not received: " + outcome);
    }
    return spool.read();
  }

  /** Bytes received so far. */
  synchronized long length() {
    return spool.length();
  }

  @Override
  public void onDataAvailable() {
    byte[] buf = READ_BUFFER.get();
    while (true) {
      int n;
      try {
        if (in.isFinished() || !in.isReady()) {
          return;
        }
        n = in.read(buf);
      } catch (IOException e) {
        // the container saw it too, and follows with onError(AsyncEvent)
        onError(e);
        return;
      }
      if (n < 0) {
        return;
      }
      synchronized (this) {
        if (outcome != Outcome.RECEIVING) {
          return;
        }
        if (spool.length() + n > maxLength) {
          finish(Outcome.TOO_LARGE);
          return;
        }
        try {
          spool.write(buf, 0, n);
        } catch (IOException e) {
          LOG.warn("a request body could not be stored: {}", e.toString());
          finish(Outcome.NO_ROOM);
          return;
        }
      }
    }
  }

  @Override
  public void onAllDataRead() {
    synchronized (this) {
      finish(Outcome.RECEIVED);
    }
  }

  /**
   * A read failed: the outcome is noted, and the answer waits for the container's {@link
   * #onError(AsyncEvent)}, which always follows a failed read and is where a listener must answer
   * and complete (otherwise the container answers with its own error page).
   */
  @Override
  public void onError(Throwable t) {
    synchronized (this) {
      end(classify(t));
    }
  }

  private static Outcome classify(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof SocketTimeoutException) {
        return Outcome.TOO_SLOW;
      }
      if (c instanceof EOFException) {
        return Outcome.CUT_SHORT;
      }
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof IOException && thrownByChunkedCoding(c)) {
        // a malformed chunk: the container says so with a plain IOException, as for a reset
        return Outcome.CUT_SHORT;
      }
    }
    return Outcome.LOST;
  }

  /** Whether the container's parser of the chunked coding refused what the client sent. */
  private static boolean thrownByChunkedCoding(Throwable t) {
    StackTraceElement[] trace = t.getStackTrace();
    return trace.length > 0 && trace[0].getClassName().endsWith(".ChunkedInputFilter");
  }

  /**
   * Checks the rate once its window has passed: at least {@code minBytes} must have arrived in it,
   * or the body is refused.
   *
   * @return whether the body's reception has ended
   */
  synchronized boolean checkRate(long now, long windowNanos, long minBytes) {
    if (outcome != Outcome.RECEIVING) {
      return true;
    }
    if (now - windowStart < windowNanos) {
      return false;
    }
    if (spool.length() - windowLength < minBytes) {
      finish(Outcome.TOO_SLOW);
      return true;
    }
    windowStart = now;
    windowLength = spool.length();
    return false;
  }

  /** Refuses the body before it arrives: it declared a length over the maximum. */
  synchronized void refuseTooLarge() {
    finish(Outcome.TOO_LARGE);
  }

  /** Ends the reception and answers: see {@link #respond}. */
  private void finish(Outcome o) {
    if (end(o)) {
      respond();
    }
  }

  /** Notes how the reception ended, once; whether this call ended it. */
  private boolean end(Outcome o) {
    if (outcome != Outcome.RECEIVING) {
      return false;
    }
    outcome = o;
    finished.accept(o);
    return true;
  }

  /**
   * Dispatches the request again, to be handled or refused with an answer; a broken connection is
   * given up. Once.
   */
  private void respond() {
    if (responded) {
      return;
    }
    responded = true;
    if (outcome == Outcome.LOST) {
      spool.close();
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // the container already ended the request
      }
      return;
    }
    try {
      async.dispatch();
    } catch (IllegalStateException e) {
      // the container ended the request meanwhile (the connection broke)
      spool.close();
    }
  }

  /** Gives back the spool's memory and deletes its file. Idempotent. */
  synchronized void close() {
    if (outcome == Outcome.RECEIVING) {
      outcome = Outcome.LOST;
      finished.accept(outcome);
    }
    spool.close();
  }

  // ---------------------------------------------------------------- AsyncListener

  @Override
  public void onComplete(AsyncEvent event) {
    close();
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    synchronized (this) {
      finish(Outcome.TOO_SLOW);
    }
  }

  /**
   * The container's error handling of the request, after a failed read: the answer is written now,
   * on this thread (the container discards what a later dispatch would write), and the request
   * completed.
   */
  @Override
  public void onError(AsyncEvent event) {
    synchronized (this) {
      end(classify(event.getThrowable()));
      if (responded) {
        return;
      }
      responded = true;
      if (outcome != Outcome.LOST) {
        try {
          refusal.send(outcome);
        } catch (IOException | RuntimeException e) {
          LOG.debug("a refused body's answer could not be sent: {}", e.toString());
        }
      }
      spool.close();
      try {
        async.complete();
      } catch (IllegalStateException e) {
        // the container already ended the request
      }
    }
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // the body is received once
  }
}

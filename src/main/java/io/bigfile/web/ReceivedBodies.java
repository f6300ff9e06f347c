package io.bigfile.web;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * Receives every request body in full before its request is handled, without holding a thread while
 * it arrives, and refuses bodies that arrive too slowly (the request buffering that nginx does in
 * front of an application server by default).
 *
 * <p>Why: a handler reads its body from the socket as it goes. An autocommit upload did so inside
 * its database transaction, so a client trickling its body held one of the few write connections
 * (and every commit and upload queued behind it), and a transaction's write held that transaction's
 * lock; and every slow body held one of Tomcat's threads, so a few hundred of them left none for
 * reads. Now a body arrives through Servlet non-blocking input ({@link ReceivedBody}) into a spool
 * (memory, or a temporary file past the memory threshold), holding only its connection; the request
 * is dispatched again when the body is complete and is handled as before, reading its body from the
 * spool at the speed of memory or a local disk. A database connection is then held only for the
 * time the database itself takes. A small body that came with the request's head (the common small
 * write) is taken at once and handled on its thread, without the second dispatch.
 *
 * <p>A body whose rate falls below the minimum over a window (a stalled one: nothing for a window)
 * is refused with {@code 408 Request Timeout} and {@code Connection: close} (RFC 9110 section
 * 15.5.9) without being handled, so it changes nothing; the rest of it is not read (Tomcat closes
 * the connection after the answer, which {@code SlowClientsIT} checks). A body longer than the
 * largest file may be is {@code 413}, as soon as it says so or grows past it; one that cannot be
 * stored (no room for its file) is {@code 503}; one that ends before its declared length or last
 * chunk (the client closed the connection or its side of it) is {@code 400}, if the connection
 * still takes an answer.
 *
 * <p>Requests without a body pass straight through. The filter must come after every other filter
 * but {@link IdempotencyKeyFilter}: those run once, on the first dispatch, and this one alone acts
 * on the second (then the idempotency key's filter, which digests the body as the handler reads
 * it). Thread-safe.
 */
public final class ReceivedBodies implements Filter, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReceivedBodies.class);

  /** The request attribute holding the body being received. */
  private static final String BODY = ReceivedBodies.class.getName() + ".body";

  /** How a refused body can end: the reasons counted by {@link #refused}. */
  private static final Set<ReceivedBody.Outcome> REFUSALS =
      Set.of(
          ReceivedBody.Outcome.TOO_SLOW,
          ReceivedBody.Outcome.TOO_LARGE,
          ReceivedBody.Outcome.CUT_SHORT,
          ReceivedBody.Outcome.NO_ROOM);

  private final long maxLength;
  private final long minRate;
  private final Duration window;
  private final int memoryThreshold;
  private final BodySpool.Memory memory;
  private final Path dir;
  private final Set<ReceivedBody> receiving = ConcurrentHashMap.newKeySet();
  private final Map<ReceivedBody.Outcome, LongAdder> refused =
      new EnumMap<>(ReceivedBody.Outcome.class);
  private final ScheduledExecutorService monitor;

  /**
   * @param maxLength the longest body taken: no file may be larger, so no longer body can be valid
   * @param minRate the slowest a body may arrive, bytes per second averaged over {@code window}
   * @param memoryThreshold a body up to this many bytes is held in memory
   * @param maxMemory the most memory all bodies being received hold together
   * @param dir where larger bodies go, one temporary file each
   */
  public ReceivedBodies(
      long maxLength,
      long minRate,
      Duration window,
      int memoryThreshold,
      long maxMemory,
      Path dir) {
    this.maxLength = maxLength;
    this.minRate = minRate;
    this.window = window;
    this.memoryThreshold = memoryThreshold;
    this.memory = new BodySpool.Memory(maxMemory);
    this.dir = dir;
    for (ReceivedBody.Outcome o : REFUSALS) {
      refused.put(o, new LongAdder());
    }
    this.monitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "body-rate-monitor");
              t.setDaemon(true);
              return t;
            });
    long tick = Math.max(10, Math.min(1000, window.toMillis() / 4));
    monitor.scheduleWithFixedDelay(this::checkRates, tick, tick, TimeUnit.MILLISECONDS);
  }

  /** Bodies being received now. */
  public int receiving() {
    return receiving.size();
  }

  /**
   * Bodies refused since the start, by reason: {@code too_slow}, {@code too_large}, {@code
   * cut_short}, {@code no_room}.
   */
  public Map<String, LongAdder> refused() {
    Map<String, LongAdder> out = new TreeMap<>();
    refused.forEach((o, n) -> out.put(o.name().toLowerCase(Locale.ROOT), n));
    return out;
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest req = (HttpServletRequest) request;
    HttpServletResponse resp = (HttpServletResponse) response;
    if (req.getDispatcherType() == DispatcherType.ASYNC
        && req.getAttribute(BODY) instanceof ReceivedBody body) {
      req.removeAttribute(BODY);
      try {
        handle(req, resp, chain, body);
      } finally {
        body.close();
      }
      return;
    }
    if (req.getDispatcherType() != DispatcherType.REQUEST
        || !hasBody(req)
        || !req.isAsyncSupported()) {
      chain.doFilter(request, response);
      return;
    }
    BodySpool spool = new BodySpool(memory, memoryThreshold, dir);
    boolean whole;
    try {
      whole = receivedAlready(req, spool);
    } catch (IOException e) {
      // the client ended the body early (or the connection broke) while it was read at once
      spool.close();
      refused.get(ReceivedBody.Outcome.CUT_SHORT).increment();
      refuseCutShort(req, resp);
      return;
    }
    if (!whole) {
      receive(req, resp, spool);
      return;
    }
    try {
      chain.doFilter(new Received(req, spool.read()), response);
    } finally {
      spool.close();
    }
  }

  /** RFC 9112 section 6.3: a request has a body if it has Content-Length or Transfer-Encoding. */
  private static boolean hasBody(HttpServletRequest req) {
    return req.getContentLengthLong() > 0 || req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  /**
   * Takes a small body of known length that came with the request's head (already in the
   * container's buffer: {@code available()} says so, and a read of what is available does not
   * block), so that the common small write is handled at once, on its thread. Whatever part of it
   * did come stays in the spool for {@link #receive}.
   *
   * @return whether the whole body was there
   */
  private boolean receivedAlready(HttpServletRequest req, BodySpool spool) throws IOException {
    long declared = req.getContentLengthLong();
    if (declared <= 0 || declared > memoryThreshold) {
      return false;
    }
    ServletInputStream in = req.getInputStream();
    byte[] buf = ReceivedBody.readBuffer();
    while (spool.length() < declared && in.available() > 0) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, declared - spool.length()));
      if (n < 0) {
        return false;
      }
      spool.write(buf, 0, n);
    }
    return spool.length() == declared;
  }

  /**
   * Receives the rest of the body without a thread; the request comes back as an ASYNC dispatch
   * when it ends.
   */
  private void receive(HttpServletRequest req, HttpServletResponse resp, BodySpool spool)
      throws IOException {
    AsyncContext async = req.startAsync(req, resp);
    // the rate monitor decides how long a body may take, not the container's async timeout
    async.setTimeout(0);
    ServletInputStream in = req.getInputStream();
    ReceivedBody[] self = new ReceivedBody[1];
    ReceivedBody body =
        new ReceivedBody(
            async,
            in,
            spool,
            maxLength,
            System.nanoTime(),
            outcome -> {
              receiving.remove(self[0]);
              LongAdder count = refused.get(outcome);
              if (count != null) {
                count.increment();
              }
            },
            outcome -> refuse(req, resp, outcome, self[0]));
    self[0] = body;
    req.setAttribute(BODY, body);
    async.addListener(body);
    receiving.add(body);
    // in non-blocking mode even a refusal at once leaves the body unread: the connection closes
    in.setReadListener(body);
    if (req.getContentLengthLong() > maxLength) {
      body.refuseTooLarge();
    }
  }

  private void handle(
      HttpServletRequest req, HttpServletResponse resp, FilterChain chain, ReceivedBody body)
      throws IOException, ServletException {
    if (body.outcome() == ReceivedBody.Outcome.RECEIVED) {
      chain.doFilter(new Received(req, body.body()), resp);
    } else {
      refuse(req, resp, body.outcome(), body);
    }
  }

  /** The answer to a body refused before its request was handled. */
  private void refuse(
      HttpServletRequest req,
      HttpServletResponse resp,
      ReceivedBody.Outcome outcome,
      ReceivedBody body)
      throws IOException {
    switch (outcome) {
      case TOO_SLOW ->
          refuse(
              req,
              resp,
              HttpServletResponse.SC_REQUEST_TIMEOUT,
              "Request Timeout",
              "the request body arrived slower than "
                  + minRate
                  + " bytes per second over "
                  + window.toSeconds()
                  + " s ("
                  + body.length()
                  + " bytes received); the request was not carried out and changed nothing");
      case TOO_LARGE ->
          refuse(
              req,
              resp,
              HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
              "Content Too Large",
              "the request body is longer than the largest file may be ("
                  + maxLength
                  + " bytes, bigfile.files.max-size); the request was not carried out and changed"
                  + " nothing");
      case NO_ROOM -> {
        resp.setHeader(HttpHeaders.RETRY_AFTER, "1");
        refuse(
            req,
            resp,
            HttpServletResponse.SC_SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "the server has no room to receive the request body now; retry later");
      }
      case CUT_SHORT -> refuseCutShort(req, resp);
      case RECEIVING, RECEIVED, LOST -> {
        // nothing to refuse, or no one to answer
      }
    }
  }

  private static void refuseCutShort(HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    refuse(
        req,
        resp,
        HttpServletResponse.SC_BAD_REQUEST,
        "Bad Request",
        "the request body ended before its declared length or its last chunk, or its chunked"
            + " coding is malformed; the request was not carried out and changed nothing");
  }

  /**
   * A problem detail (RFC 9457) for a request refused before it was handled; the connection is
   * closed after it.
   */
  private static void refuse(
      HttpServletRequest req, HttpServletResponse resp, int status, String title, String detail)
      throws IOException {
    LOG.debug("{} {} refused ({}): {}", req.getMethod(), req.getRequestURI(), status, detail);
    String json =
        "{\"type\":\"about:blank\",\"title\":\""
            + title
            + "\",\"status\":"
            + status
            + ",\"detail\":\""
            + detail
            + "\",\"instance\":\""
            + jsonText(req.getRequestURI())
            + "\"}";
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    resp.setStatus(status);
    resp.setHeader(HttpHeaders.CONNECTION, "close");
    resp.setHeader(ContentController.NOSNIFF_HEADER, "nosniff");
    resp.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    resp.setContentLength(bytes.length);
    try {
      resp.getOutputStream().write(bytes);
      resp.flushBuffer();
    } catch (IOException e) {
      // the client is gone; nothing was done for it
      LOG.debug("the refusal could not be sent: {}", e.toString());
    }
  }

  private static String jsonText(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private void checkRates() {
    long now = System.nanoTime();
    long windowNanos = window.toNanos();
    long minBytes = (long) Math.ceil(minRate * (window.toMillis() / 1000.0));
    for (ReceivedBody b : receiving) {
      try {
        if (b.checkRate(now, windowNanos, minBytes)) {
          receiving.remove(b);
        }
      } catch (RuntimeException e) {
        LOG.warn("checking the rate of a request body failed", e);
      }
    }
  }

  @Override
  public void close() {
    monitor.shutdownNow();
  }

  /** The request as its handler sees it: the same, with the received body. */
  private static final class Received extends HttpServletRequestWrapper {
    private final SpooledInput in;

    Received(HttpServletRequest req, InputStream body) {
      super(req);
      this.in = new SpooledInput(body);
    }

    @Override
    public ServletInputStream getInputStream() {
      return in;
    }

    @Override
    public BufferedReader getReader() throws IOException {
      String enc = getCharacterEncoding();
      Charset cs = enc == null ? StandardCharsets.ISO_8859_1 : Charset.forName(enc);
      return new BufferedReader(new InputStreamReader(in, cs));
    }
  }

  /** A received body as a blocking servlet stream. */
  private static final class SpooledInput extends ServletInputStream {
    private final InputStream in;
    private boolean finished;

    SpooledInput(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      finished = b < 0;
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = in.read(b, off, len);
      finished = n < 0;
      return n;
    }

    @Override
    public int available() throws IOException {
      return in.available();
    }

    @Override
    public boolean isFinished() {
      return finished;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      throw new IllegalStateException("the body was received before the request was handled");
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}

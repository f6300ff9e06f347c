package io.bigfile.replica;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Sends each request to the replica that can answer it: a request of a transaction (its {@code txn}
 * parameter, or {@code /v1/transactions/{id}...}) that another replica owns is forwarded to that
 * replica ({@link Forwarder}); while this replica drains, a begin is forwarded to a replica that
 * does not. Everything else is served here.
 *
 * <p>A request is forwarded at most once: one that arrives forwarded is served here or answered
 * here. A transaction whose replica has stopped (no live row in the registry, or it cannot be
 * reached) is lost: every replica answers {@code 404} with problem type {@link #LOST}, distinct
 * from an unknown id, and never waits for the dead replica beyond the connect timeout.
 *
 * <p>Registered after authentication, so an unauthenticated request is refused by the replica it
 * reached; the owner checks the forwarded credentials again (the transaction is its owner
 * principal's), audits the request and serialises it with the transaction's other requests.
 */
public final class ForwardingFilter extends OncePerRequestFilter {

  /** The problem type of a transaction whose replica stopped. */
  public static final URI LOST = URI.create("https://bigfile.io/problems/transaction-lost");

  /** The problem type of a begin refused while every replica drains. */
  public static final URI DRAINING = URI.create("https://bigfile.io/problems/replica-draining");

  /** The problem type of a forwarded request whose exchange failed before the owner answered. */
  public static final URI FORWARDING_FAILED =
      URI.create("https://bigfile.io/problems/forwarding-failed");

  private static final Logger LOG = LoggerFactory.getLogger(ForwardingFilter.class);
  private static final String TRANSACTIONS = "/v1/transactions";

  private final ReplicaRegistry registry;
  private final Forwarder forwarder;
  private final JsonMapper json;
  private final Counter forwarded;
  private final Counter lost;
  private final Counter failed;

  public ForwardingFilter(
      ReplicaRegistry registry, Duration connectTimeout, JsonMapper json, MeterRegistry meters) {
    this.registry = registry;
    this.forwarder = new Forwarder(registry.id(), connectTimeout);
    this.json = json;
    this.forwarded = counter(meters, "forwarded");
    this.lost = counter(meters, "lost");
    this.failed = counter(meters, "failed");
  }

  /** Closes the connections to the other replicas. */
  @Override
  public void destroy() {
    try {
      forwarder.close();
    } catch (IOException e) {
      LOG.debug("closing the connections to other replicas: {}", e.toString());
    }
  }

  private static Counter counter(MeterRegistry meters, String outcome) {
    return Counter.builder("bigfile.forwarded.requests")
        .description(
            "Requests of a transaction another replica owns: forwarded to it, answered as lost"
                + " (its replica stopped), or failed before it answered")
        .tag("outcome", outcome)
        .register(meters);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String path = request.getRequestURI();
    if (registry.draining() && isBegin(request, path)) {
      beginElsewhere(request, response, chain);
      return;
    }
    String txn = transactionOf(path, request.getQueryString());
    OptionalLong owner = txn == null ? OptionalLong.empty() : TransactionIds.owner(txn);
    if (owner.isEmpty() || registry.isSelf(owner.getAsLong())) {
      chain.doFilter(request, response);
      return;
    }
    if (request.getHeader(Forwarder.FORWARDED_BY) != null) {
      // forwarded here, yet not ours: the owner is gone (or the address now belongs to another)
      lost(request, response, txn);
      return;
    }
    Optional<Peer> peer = registry.peer(owner.getAsLong());
    if (peer.isEmpty()) {
      lost(request, response, txn);
      return;
    }
    forward(request, response, peer.get(), txn);
  }

  private void forward(
      HttpServletRequest request, HttpServletResponse response, Peer peer, String txn)
      throws IOException {
    try {
      forwarder.forward(request, response, peer);
      forwarded.increment();
    } catch (Forwarder.UnreachableException e) {
      gone(request, response, peer, txn, e);
    } catch (Forwarder.NoAnswerException e) {
      if (!forwarder.accepts(peer)) {
        // the connection it had broke because the replica stopped
        gone(request, response, peer, txn, e);
        return;
      }
      failed.increment();
      LOG.warn(
          "forwarding to replica {} at {} failed: {}", peer.id(), peer.address(), e.getMessage());
      unavailable(
          request,
          response,
          FORWARDING_FAILED,
          "the replica that owns transaction "
              + txn
              + " did not answer; its outcome is unknown: look the transaction up, then retry",
          txn);
    }
  }

  /** The owner of {@code txn} stopped: it is taken as gone, and the transaction answered lost. */
  private void gone(
      HttpServletRequest request,
      HttpServletResponse response,
      Peer peer,
      String txn,
      IOException why)
      throws IOException {
    LOG.info("replica {} at {} has stopped: {}", peer.id(), peer.address(), why.getMessage());
    registry.unreachable(peer.id());
    lost(request, response, txn);
  }

  /** A 503 problem with {@code Retry-After}, unless the answer has started. */
  private void unavailable(
      HttpServletRequest request, HttpServletResponse response, URI type, String detail, String txn)
      throws IOException {
    if (response.isCommitted()) {
      return;
    }
    response.resetBuffer();
    response.setHeader("Retry-After", "1");
    problem(request, response, HttpStatus.SERVICE_UNAVAILABLE, type, detail, txn);
  }

  /** A begin on a draining replica goes to one that is not draining, or is refused. */
  private void beginElsewhere(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (request.getHeader(Forwarder.FORWARDED_BY) != null) {
      chain.doFilter(request, response);
      return;
    }
    Optional<Peer> peer = registry.anyActivePeer();
    if (peer.isPresent()) {
      try {
        forwarder.forward(request, response, peer.get());
        forwarded.increment();
        return;
      } catch (Forwarder.UnreachableException e) {
        registry.unreachable(peer.get().id());
      } catch (Forwarder.NoAnswerException e) {
        failed.increment();
      }
    }
    unavailable(
        request,
        response,
        DRAINING,
        "this replica is stopping and begins no transactions, and no other replica can; retry",
        null);
  }

  private void lost(HttpServletRequest request, HttpServletResponse response, String txn)
      throws IOException {
    lost.increment();
    problem(
        request,
        response,
        HttpStatus.NOT_FOUND,
        LOST,
        "transaction "
            + txn
            + " is lost: the replica that began it has stopped, and its uncommitted changes with"
            + " it; begin a new transaction",
        txn);
  }

  private void problem(
      HttpServletRequest request,
      HttpServletResponse response,
      HttpStatus status,
      URI type,
      String detail,
      String txn)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type.toString());
    body.put("title", status.getReasonPhrase());
    body.put("status", status.value());
    body.put("detail", detail);
    body.put("instance", request.getRequestURI());
    if (txn != null) {
      body.put("transaction", txn);
    }
    byte[] bytes = json.writeValueAsBytes(body);
    response.setStatus(status.value());
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }

  private static boolean isBegin(HttpServletRequest request, String path) {
    return request.getMethod().equals("POST") && path.equals(TRANSACTIONS);
  }

  /**
   * The transaction a request names: {@code /v1/transactions/{id}[/...]}, else its one {@code txn}
   * parameter; null when none, or when it is malformed (the request is then answered here, as
   * such).
   */
  static String transactionOf(String path, String query) {
    if (path.startsWith(TRANSACTIONS + "/")) {
      String rest = path.substring(TRANSACTIONS.length() + 1);
      int slash = rest.indexOf('/');
      String id = slash < 0 ? rest : rest.substring(0, slash);
      return id.isEmpty() ? null : id;
    }
    if (query == null || !query.contains("txn=")) {
      return null;
    }
    String found = null;
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq == 3 && pair.startsWith("txn")) {
        if (found != null) {
          return null;
        }
        try {
          found = URLDecoder.decode(pair.substring(4), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return found;
  }
}

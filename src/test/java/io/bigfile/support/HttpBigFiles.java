package io.bigfile.support;

import io.bigfile.file.BigFiles;
import io.bigfile.file.CommitOutcomeUnknownException;
import io.bigfile.file.DataRanges;
import io.bigfile.file.DirtyBudgetExceededException;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.IdempotencyKeyInUseException;
import io.bigfile.file.IdempotencyKeyReusedException;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.NewFile;
import io.bigfile.file.Page;
import io.bigfile.file.Precondition;
import io.bigfile.file.PreconditionFailedException;
import io.bigfile.file.RangeParts;
import io.bigfile.file.RequestContext;
import io.bigfile.file.RevisionInfo;
import io.bigfile.file.RevisionNotRetainedException;
import io.bigfile.file.StorageRejectedException;
import io.bigfile.file.StorageUnavailableException;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.TransactionInfo;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.TransactionState;
import io.bigfile.file.UnknownFileException;
import io.bigfile.file.UnknownTransactionException;
import io.bigfile.file.WriteFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The engine's API ({@link BigFiles}) spoken over HTTP to one or more running services that share
 * one database, for tests that drive the services exactly as they drive an engine (such as the
 * randomized model check). Each call is one or a few HTTP requests to one service, which a {@link
 * Routing} policy chooses; the answers are mapped back to what the engine returns or throws: the
 * file and transaction JSON to {@link FileInfo} ({@code version} from {@code ETag}, {@code asOf}
 * from {@code BigFile-Revision}) and {@link TransactionInfo}, and each problem (README, "Errors")
 * to the domain exception it stands for: {@code 409} with {@code conflicts} to {@link
 * TransactionConflictException}, another {@code 409} on a transaction to {@link
 * TransactionNotOpenException}, {@code 404} to {@link UnknownTransactionException} or {@link
 * UnknownFileException}, {@code 412} to {@link PreconditionFailedException}, and so on. An answer
 * no domain exception stands for fails with {@link UnexpectedAnswerException}.
 *
 * <p>What HTTP cannot carry:
 *
 * <ul>
 *   <li>Owners are whoever the services' clients authenticate as (their bearer tokens): the {@code
 *       owner} arguments and {@link RequestContext.InTransaction#owner()} must be {@link
 *       RequestContext#NO_OWNER}.
 *   <li>A {@link Precondition} is a predicate on the engine's side; only {@link IfMatch} has an
 *       HTTP form ({@code If-Match}), any other is refused with {@link
 *       UnsupportedOperationException}.
 *   <li>{@link #open} reads the file's description at once and each {@link FileContent#copyTo} is a
 *       ranged GET of its own. Outside a transaction the GETs name the revision the description was
 *       read at ({@code at=}), so every byte belongs to that snapshot as the engine promises; in a
 *       transaction they carry {@code If-Match} with the description's version, so a transaction
 *       changed between the open and a copy fails with {@link PreconditionFailedException} instead
 *       of mixing two states (the engine's read would show the state at the open).
 *   <li>{@link #headRevision()} asks every service for its head (the snapshot of a transaction it
 *       begins, aborted at once) and answers the largest: each service knows its own commits at
 *       once and the others' a notification later.
 * </ul>
 *
 * <p>Services learn of each other's commits a moment after they are visible (a database
 * notification); a client made with {@code readYourCommits} makes sure a service counts the newest
 * revision it has been answered before it sends the service a request (see the constructor).
 *
 * <p>{@link #patch}, {@link #ranges}, {@link #revisions} and {@link #openTransactions} are not
 * spoken (the model check and the tests that use this class call none of them) and throw {@link
 * UnsupportedOperationException}.
 *
 * <p>Thread-safe: the routing state is concurrent, and each call sends its own requests.
 */
public final class HttpBigFiles implements BigFiles {

  /** Chooses the service of each call. Implementations are thread-safe. */
  @FunctionalInterface
  public interface Routing {

    /**
     * The index of the service a call goes to.
     *
     * @param transactionId the transaction the call names (a request with {@code txn}, a commit, an
     *     abort, a lookup), or null
     * @param owner the index of the service that began that transaction, or -1 when none is known
     *     (no transaction, or one begun elsewhere)
     * @param services how many services there are
     */
    int target(String transactionId, int owner, int services);

    /** Every call to the next service in turn, whichever transaction it names. */
    static Routing roundRobin() {
      AtomicLong next = new AtomicLong();
      return (txn, owner, services) -> (int) Math.floorMod(next.getAndIncrement(), (long) services);
    }

    /**
     * Calls that name a transaction to the service that began it, every other call to the next
     * service in turn: what a client does when services do not forward transactions.
     */
    static Routing transactionsToOwner() {
      Routing others = roundRobin();
      return (txn, owner, services) ->
          txn != null && owner >= 0 ? owner : others.target(txn, owner, services);
    }
  }

  /**
   * The HTTP precondition {@code If-Match: "<version>"} (RFC 9110 section 13.1.1, strong
   * comparison): the write proceeds only if the file's version as the request sees it is this one.
   */
  public record IfMatch(String version) implements Precondition {

    public IfMatch {
      Objects.requireNonNull(version, "version");
    }

    @Override
    public boolean test(FileInfo current) {
      return version.equals(current.version());
    }
  }

  /** An answer of a service that no domain exception stands for. */
  public static final class UnexpectedAnswerException extends RuntimeException {
    UnexpectedAnswerException(String message) {
      super(message);
    }
  }

  private static final String REVISION_HEADER = "BigFile-Revision";
  private static final Pattern NOT_RETAINED =
      Pattern.compile(
          "revision (\\d+) is no longer retained; the oldest readable revision is (\\d+)");

  private final List<ServiceClient> services;
  private final Routing routing;
  private final boolean readYourCommits;

  /** The newest revision any service has answered to this client. */
  private final AtomicLong newest = new AtomicLong(-1);

  /** Which service began each transaction this client began; forgotten once it is finished. */
  private final Map<String, Integer> owners = new ConcurrentHashMap<>();

  /**
   * A client that sends each request to the service {@code routing} chooses, as it is.
   *
   * @param services the services, all on one database
   * @param routing which service each call goes to
   */
  public HttpBigFiles(List<? extends ServiceClient> services, Routing routing) {
    this(services, routing, false);
  }

  /**
   * @param services the services, all on one database
   * @param routing which service each call goes to
   * @param readYourCommits whether to make sure, before a request goes to a service, that the
   *     service counts the newest revision any service has answered to this client: a service
   *     learns of another's commits from a database notification, a moment after they are visible,
   *     so a request sent at once may meet an older head there (a read that misses the commit, an
   *     autocommit write whose snapshot predates it and conflicts with it). The client asks it for
   *     that revision ({@code GET /v1/files?limit=1&at=R}: a revision past the head a service knows
   *     is checked against the database, README "Caching and several replicas"), once per service
   *     and revision.
   */
  public HttpBigFiles(
      List<? extends ServiceClient> services, Routing routing, boolean readYourCommits) {
    if (services.isEmpty()) {
      throw new IllegalArgumentException("no service");
    }
    this.services = services.stream().map(s -> (ServiceClient) new Tracked(s)).toList();
    this.routing = Objects.requireNonNull(routing, "routing");
    this.readYourCommits = readYourCommits;
  }

  /**
   * A service as this client talks to it: every answer's {@code BigFile-Revision} is noted, and
   * with {@link #readYourCommits} the service is brought up to the newest revision first.
   */
  private final class Tracked extends ServiceClient {

    private final ServiceClient service;

    /** The newest revision this service is known to count. */
    private final AtomicLong known = new AtomicLong(-1);

    Tracked(ServiceClient service) {
      this.service = service;
    }

    @Override
    public URI uri(String pathAndQuery) {
      return service.uri(pathAndQuery);
    }

    @Override
    public HttpRequest.Builder request(String pathAndQuery) {
      return service.request(pathAndQuery);
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> body) {
      long target = newest.get();
      if (readYourCommits && known.get() < target) {
        HttpResponse<byte[]> r =
            service.send(
                service.request("/v1/files?limit=1&at=" + target).GET(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          throw new UnexpectedAnswerException("catching up: " + describe(r));
        }
        known.accumulateAndGet(target, Math::max);
      }
      HttpResponse<T> r = service.send(request, body);
      r.headers()
          .firstValue(REVISION_HEADER)
          .filter(v -> v.matches("\\d+"))
          .map(Long::parseLong)
          .ifPresent(
              rev -> {
                known.accumulateAndGet(rev, Math::max);
                newest.accumulateAndGet(rev, Math::max);
              });
      return r;
    }
  }

  // ---------------------------------------------------------------- routing

  private ServiceClient service(String transactionId) {
    int owner = transactionId == null ? -1 : owners.getOrDefault(transactionId, -1);
    int i = routing.target(transactionId, owner, services.size());
    if (i < 0 || i >= services.size()) {
      throw new IllegalStateException("routing chose service " + i + " of " + services.size());
    }
    return services.get(i);
  }

  private ServiceClient service(RequestContext ctx) {
    return service(ctx instanceof RequestContext.InTransaction in ? in.transactionId() : null);
  }

  // ---------------------------------------------------------------- transactions

  @Override
  public TransactionInfo begin(String owner) {
    requireNoOwner(owner);
    int i = routing.target(null, -1, services.size());
    ServiceClient s = services.get(i);
    TransactionInfo t =
        transaction(
            expect(
                s,
                s.send(s.request("/v1/transactions").POST(HttpRequest.BodyPublishers.noBody())),
                201,
                null));
    owners.put(t.id(), i);
    return t;
  }

  @Override
  public TransactionInfo transaction(String id, String owner) {
    requireNoOwner(owner);
    ServiceClient s = service(id);
    return transaction(expect(s, s.send(s.request(transactionPath(id)).GET()), 200, id));
  }

  @Override
  public TransactionInfo commit(String id, String owner) {
    return finish(id, owner, "commit");
  }

  @Override
  public TransactionInfo abort(String id, String owner) {
    return finish(id, owner, "abort");
  }

  private TransactionInfo finish(String id, String owner, String action) {
    requireNoOwner(owner);
    ServiceClient s = service(id);
    TransactionInfo t;
    try {
      t =
          transaction(
              expect(
                  s,
                  s.send(
                      s.request(transactionPath(id) + "/" + action)
                          .POST(HttpRequest.BodyPublishers.noBody())),
                  200,
                  id));
    } catch (TransactionConflictException e) {
      owners.remove(id); // a conflict aborted it
      throw e;
    } catch (TransactionNotOpenException e) {
      if (e.state() != TransactionState.COMMITTING) {
        owners.remove(id);
      }
      throw e;
    }
    if (t.state() == TransactionState.COMMITTED || t.state() == TransactionState.ABORTED) {
      owners.remove(id);
    }
    return t;
  }

  @Override
  public List<TransactionInfo> openTransactions() {
    throw new UnsupportedOperationException("openTransactions is not spoken over HTTP here");
  }

  /** Every service's head, the largest of them: see the class comment. */
  @Override
  public long headRevision() {
    long head = -1;
    for (ServiceClient s : services) {
      TransactionInfo t =
          transaction(
              expect(
                  s,
                  s.send(s.request("/v1/transactions").POST(HttpRequest.BodyPublishers.noBody())),
                  201,
                  null));
      expect(
          s,
          s.send(
              s.request(transactionPath(t.id()) + "/abort")
                  .POST(HttpRequest.BodyPublishers.noBody())),
          200,
          t.id());
      head = Math.max(head, t.snapshotRevision());
    }
    return head;
  }

  // ---------------------------------------------------------------- files

  @Override
  public FileInfo create(RequestContext ctx, NewFile spec) {
    ObjectNode body = ServiceClient.JSON.createObjectNode();
    if (spec.name() != null) {
      body.put("name", spec.name());
    }
    if (spec.blockSize() != null) {
      body.put("blockSize", spec.blockSize());
    }
    if (spec.format() != null) {
      body.put("format", spec.format().externalName());
    }
    if (spec.contentType() != null) {
      body.put("contentType", spec.contentType());
    }
    ServiceClient s = service(ctx);
    return fileInfo(
        expect(
            s,
            s.send(
                writeRequest(s, "/v1/files", ctx, null)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))),
            201,
            transactionOf(ctx)));
  }

  @Override
  public FileInfo stat(RequestContext ctx, FileId id) {
    ServiceClient s = service(ctx);
    return stat(s, ctx, id);
  }

  private FileInfo stat(ServiceClient s, RequestContext ctx, FileId id) {
    return fileInfo(
        expect(s, s.send(s.request(filePath(id) + query(ctx)).GET()), 200, transactionOf(ctx)));
  }

  @Override
  public Page<FileInfo> list(RequestContext ctx, String cursor, int limit) {
    ServiceClient s = service(ctx);
    String q = query(ctx);
    q += (q.isEmpty() ? "?" : "&") + "limit=" + limit;
    if (cursor != null) {
      q += "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
    }
    HttpResponse<byte[]> r = expect(s, s.send(s.request("/v1/files" + q).GET()), 200, null);
    JsonNode page = ServiceClient.json(r);
    List<FileInfo> items = new ArrayList<>();
    // the list carries neither ETag nor BigFile-Revision per file: version is the revision
    for (JsonNode f : page.path("items")) {
      items.add(fileInfo(f, f.path("revision").asString(), -1));
    }
    return new Page<>(items, ServiceClient.text(page, "nextCursor"));
  }

  @Override
  public FileInfo update(
      RequestContext ctx, FileId id, FileUpdate update, Precondition precondition) {
    ObjectNode body = ServiceClient.JSON.createObjectNode();
    if (update.size() != null) {
      body.put("size", update.size());
    }
    if (update.format() != null) {
      body.put("format", update.format().externalName());
    }
    if (update.name() != null) {
      body.put("name", update.name());
    }
    if (update.contentType() != null) {
      body.put("contentType", update.contentType());
    }
    ServiceClient s = service(ctx);
    return fileInfo(
        expect(
            s,
            s.send(
                writeRequest(s, filePath(id), ctx, precondition)
                    .header("Content-Type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString(body.toString()))),
            200,
            transactionOf(ctx)));
  }

  @Override
  public void delete(RequestContext ctx, FileId id, Precondition precondition) {
    ServiceClient s = service(ctx);
    expect(
        s,
        s.send(writeRequest(s, filePath(id), ctx, precondition).DELETE()),
        204,
        transactionOf(ctx));
  }

  // ---------------------------------------------------------------- content

  @Override
  public FileInfo write(
      RequestContext ctx,
      FileId id,
      long offset,
      long length,
      InputStream body,
      Long sizeAfter,
      Precondition precondition) {
    if (length <= 0) {
      // Content-Range cannot say an empty range (RFC 9110 section 14.4: last-pos >= first-pos)
      throw new UnsupportedOperationException("an empty write has no Content-Range");
    }
    // the body as it is: a body of another length than declared is the service's to refuse
    byte[] bytes = readAll(body);
    String range =
        "bytes "
            + offset
            + "-"
            + (offset + length - 1)
            + "/"
            + (sizeAfter == null ? "*" : sizeAfter.toString());
    ServiceClient s = service(ctx);
    return fileInfo(
        expect(
            s,
            s.send(
                writeRequest(s, contentPath(id), ctx, precondition)
                    .header("Content-Type", "application/octet-stream")
                    .header("Content-Range", range)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes))),
            200,
            transactionOf(ctx)));
  }

  @Override
  public FileInfo replace(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition) {
    ServiceClient s = service(ctx);
    return fileInfo(
        expect(
            s,
            s.send(
                writeRequest(s, contentPath(id), ctx, precondition)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(publisher(length, body))),
            200,
            transactionOf(ctx)));
  }

  @Override
  public FileInfo append(
      RequestContext ctx, FileId id, long length, InputStream body, Precondition precondition) {
    ServiceClient s = service(ctx);
    return fileInfo(
        expect(
            s,
            s.send(
                writeRequest(s, contentPath(id), ctx, precondition)
                    .header("Content-Type", "application/octet-stream")
                    .POST(publisher(length, body))),
            200,
            transactionOf(ctx)));
  }

  /**
   * A body of {@code length} bytes with {@code Content-Length}, or, for -1 (read to the end), sent
   * chunked (RFC 9112 section 7.1) so the service learns its end from the body itself.
   */
  private static HttpRequest.BodyPublisher publisher(long length, InputStream body) {
    if (length < 0) {
      return HttpRequest.BodyPublishers.ofInputStream(() -> body);
    }
    byte[] bytes = readAll(body);
    if (bytes.length != length) {
      // the JDK client cannot send a body of another length than its Content-Length
      throw new UnsupportedOperationException(
          "a body of " + bytes.length + " bytes declared as " + length);
    }
    return HttpRequest.BodyPublishers.ofByteArray(bytes);
  }

  @Override
  public FileInfo patch(
      RequestContext ctx, FileId id, RangeParts parts, Precondition precondition) {
    throw new UnsupportedOperationException("patch is not spoken over HTTP here");
  }

  @Override
  public DataRanges ranges(RequestContext ctx, FileId id, Long since, String cursor, int limit) {
    throw new UnsupportedOperationException("ranges is not spoken over HTTP here");
  }

  @Override
  public Page<RevisionInfo> revisions(RequestContext ctx, FileId id, String cursor, int limit) {
    throw new UnsupportedOperationException("revisions is not spoken over HTTP here");
  }

  @Override
  public FileContent open(RequestContext ctx, FileId id) {
    ServiceClient s = service(ctx);
    FileInfo info = stat(s, ctx, id);
    // outside a transaction the reads name the snapshot the description was read at
    RequestContext reads =
        ctx instanceof RequestContext.Autocommit ? new RequestContext.AtRevision(info.asOf()) : ctx;
    String ifMatch =
        ctx instanceof RequestContext.InTransaction ? "\"" + info.version() + "\"" : null;
    return new FileContent() {
      @Override
      public FileInfo info() {
        return info;
      }

      @Override
      public void copyTo(long offset, long length, OutputStream out) throws IOException {
        if (offset < 0 || length < 0 || offset + length > info.size()) {
          throw new IllegalArgumentException(
              "range " + offset + "+" + length + " outside a file of " + info.size());
        }
        if (length == 0) {
          return;
        }
        String range = "bytes=" + offset + "-" + (offset + length - 1);
        HttpRequest.Builder b = s.request(contentPath(id) + query(reads)).header("Range", range);
        if (ifMatch != null) {
          b.header("If-Match", ifMatch);
        }
        HttpResponse<byte[]> r = s.send(b.GET());
        if (r.statusCode() == 200 && offset == 0 && length == info.size()) {
          out.write(r.body());
          return;
        }
        expect(s, r, 206, transactionOf(ctx));
        String expected = "bytes " + offset + "-" + (offset + length - 1) + "/" + info.size();
        String got = ServiceClient.header(r, "Content-Range");
        if (!expected.equals(got) || r.body().length != length) {
          throw new UnexpectedAnswerException(
              "asked "
                  + range
                  + ", got Content-Range "
                  + got
                  + " and "
                  + r.body().length
                  + " bytes");
        }
        out.write(r.body());
      }

      @Override
      public void close() {
        // nothing is held on the service between requests
      }
    };
  }

  // ---------------------------------------------------------------- requests

  private static String transactionPath(String id) {
    return "/v1/transactions/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  private static String filePath(FileId id) {
    return "/v1/files/" + id;
  }

  private static String contentPath(FileId id) {
    return filePath(id) + "/content";
  }

  private static String query(RequestContext ctx) {
    if (ctx instanceof RequestContext.InTransaction in) {
      requireNoOwner(in.owner());
      return "?txn=" + URLEncoder.encode(in.transactionId(), StandardCharsets.UTF_8);
    }
    if (ctx instanceof RequestContext.AtRevision at) {
      return "?at=" + at.revision();
    }
    requireNoOwner(((RequestContext.Autocommit) ctx).owner());
    return "";
  }

  private static String transactionOf(RequestContext ctx) {
    return ctx instanceof RequestContext.InTransaction in ? in.transactionId() : null;
  }

  /** A write: the context, its idempotency key and its precondition as HTTP says them. */
  private static HttpRequest.Builder writeRequest(
      ServiceClient s, String path, RequestContext ctx, Precondition precondition) {
    HttpRequest.Builder b = s.request(path + query(ctx));
    if (ctx instanceof RequestContext.Autocommit a && a.idempotencyKey() != null) {
      // a Structured Field string (RFC 9651 section 3.3.3); keys are visible ASCII
      b.header(
          "Idempotency-Key",
          "\"" + a.idempotencyKey().key().replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    }
    if (precondition instanceof IfMatch m) {
      b.header("If-Match", "\"" + m.version() + "\"");
    } else if (precondition != null) {
      throw new UnsupportedOperationException(
          "only an If-Match precondition can be sent over HTTP, not " + precondition);
    }
    return b;
  }

  private static void requireNoOwner(String owner) {
    if (!RequestContext.NO_OWNER.equals(owner)) {
      throw new UnsupportedOperationException(
          "over HTTP the owner is whoever the token names, not '" + owner + "'");
    }
  }

  private static byte[] readAll(InputStream body) {
    try (body) {
      return body.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---------------------------------------------------------------- answers

  private static FileInfo fileInfo(HttpResponse<byte[]> r) {
    String etag = ServiceClient.header(r, "ETag");
    String revision = ServiceClient.header(r, REVISION_HEADER);
    if (etag == null || !etag.startsWith("\"") || !etag.endsWith("\"") || revision == null) {
      throw new UnexpectedAnswerException(
          "no strong ETag or " + REVISION_HEADER + ": " + describe(r));
    }
    return fileInfo(
        ServiceClient.json(r), etag.substring(1, etag.length() - 1), Long.parseLong(revision));
  }

  private static FileInfo fileInfo(JsonNode f, String version, long asOf) {
    JsonNode revision = f.path("revision");
    return new FileInfo(
        FileId.parse(f.path("id").asString()),
        ServiceClient.text(f, "name"),
        ServiceClient.text(f, "contentType"),
        f.path("size").asLong(),
        f.path("blockSize").asInt(),
        WriteFormat.parse(f.path("format").asString()),
        revision.isNull() || revision.isMissingNode() ? null : revision.asLong(),
        version,
        Instant.parse(f.path("createdAt").asString()),
        Instant.parse(f.path("modifiedAt").asString()),
        asOf);
  }

  private static TransactionInfo transaction(HttpResponse<byte[]> r) {
    JsonNode t = ServiceClient.json(r);
    String expiresAt = ServiceClient.text(t, "expiresAt");
    JsonNode revision = t.path("revision");
    List<FileId> touched = new ArrayList<>();
    for (JsonNode f : t.path("filesTouched")) {
      touched.add(FileId.parse(f.asString()));
    }
    return new TransactionInfo(
        t.path("id").asString(),
        TransactionState.valueOf(t.path("state").asString().toUpperCase(Locale.ROOT)),
        t.path("snapshotRevision").asLong(),
        expiresAt == null ? null : Instant.parse(expiresAt),
        t.path("dirtyBytes").asLong(),
        touched,
        revision.isNull() || revision.isMissingNode() ? null : revision.asLong(),
        ServiceClient.text(t, "reason"));
  }

  /**
   * The answer if it has {@code status}; else the domain exception its problem stands for.
   *
   * @param s the service that answered
   * @param transactionId the transaction the request named, or null
   */
  private static HttpResponse<byte[]> expect(
      ServiceClient s, HttpResponse<byte[]> r, int status, String transactionId) {
    if (r.statusCode() == status) {
      return r;
    }
    if (r.statusCode() < 400) {
      throw new UnexpectedAnswerException("expected " + status + ": " + describe(r));
    }
    JsonNode problem = problem(r);
    String detail = ServiceClient.text(problem, "detail");
    switch (r.statusCode()) {
      case 400 -> throw new InvalidRequestException(detail);
      case 404 -> {
        if (detail != null && detail.startsWith("no transaction ")) {
          throw new UnknownTransactionException(transactionId == null ? detail : transactionId);
        }
        if (detail != null && detail.startsWith("no file ")) {
          throw new UnknownFileException(detail.substring("no file ".length()).replace("'", ""));
        }
      }
      case 409 -> throw conflict(s, r, problem, transactionId);
      case 410 -> {
        Matcher m = NOT_RETAINED.matcher(detail == null ? "" : detail);
        if (m.find()) {
          throw new RevisionNotRetainedException(
              Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
        }
      }
      case 412 -> throw new PreconditionFailedException(detail);
      case 413 -> throw new DirtyBudgetExceededException(detail);
      case 422 -> {
        if (isType(problem, "idempotency-key-reused")) {
          throw new IdempotencyKeyReusedException(detail);
        }
      }
      case 500 -> throw new StorageRejectedException(detail, null);
      case 503 -> {
        if (isType(problem, "commit-outcome-unknown")) {
          throw new CommitOutcomeUnknownException(ServiceClient.text(problem, "transaction"), null);
        }
        throw new StorageUnavailableException(detail, null);
      }
      default -> {
        // no domain exception: below
      }
    }
    throw new UnexpectedAnswerException(describe(r));
  }

  /**
   * A 409: a conflict with a commit after the snapshot (the problem names them in {@code
   * conflicts}), an idempotency key still in use, or a transaction no longer open, whose state the
   * transaction itself says exactly (the problem's detail says it in words).
   */
  private static RuntimeException conflict(
      ServiceClient s, HttpResponse<byte[]> r, JsonNode problem, String transactionId) {
    if (problem.has("conflicts")) {
      List<TransactionConflictException.Conflict> conflicts = new ArrayList<>();
      for (JsonNode c : problem.path("conflicts")) {
        List<String> what = new ArrayList<>();
        c.path("what").forEach(w -> what.add(w.asString()));
        List<Long> blocks = new ArrayList<>();
        c.path("blocks").forEach(b -> blocks.add(b.asLong()));
        conflicts.add(
            new TransactionConflictException.Conflict(
                FileId.parse(c.path("file").asString()), what, blocks));
      }
      return new TransactionConflictException(conflicts);
    }
    if (isType(problem, "idempotency-key-in-use")) {
      return new IdempotencyKeyInUseException(
          r.request().headers().firstValue("Idempotency-Key").orElse(""));
    }
    if (transactionId != null) {
      TransactionInfo t =
          transaction(
              expect(s, s.send(s.request(transactionPath(transactionId)).GET()), 200, null));
      if (t.state() != TransactionState.OPEN) {
        return new TransactionNotOpenException(transactionId, t.state(), t.reason());
      }
    }
    return new UnexpectedAnswerException("a 409 the engine has no exception for: " + describe(r));
  }

  private static JsonNode problem(HttpResponse<byte[]> r) {
    String type = ServiceClient.header(r, "Content-Type");
    if (type == null || !type.startsWith("application/problem+json")) {
      throw new UnexpectedAnswerException("not a problem: " + describe(r));
    }
    return ServiceClient.JSON.readTree(r.body());
  }

  private static boolean isType(JsonNode problem, String name) {
    return ("https://bigfile.io/problems/" + name).equals(ServiceClient.text(problem, "type"));
  }

  private static String describe(HttpResponse<byte[]> r) {
    return ServiceClient.describe(r);
  }
}

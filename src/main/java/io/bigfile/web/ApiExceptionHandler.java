package io.bigfile.web;

import io.bigfile.file.BigFileException;
import io.bigfile.file.CommitOutcomeUnknownException;
import io.bigfile.file.DirtyBudgetExceededException;
import io.bigfile.file.FileTooLargeException;
import io.bigfile.file.IdempotencyKeyInUseException;
import io.bigfile.file.IdempotencyKeyReusedException;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.PreconditionFailedException;
import io.bigfile.file.RevisionNotRetainedException;
import io.bigfile.file.StorageRejectedException;
import io.bigfile.file.StorageUnavailableException;
import io.bigfile.file.TransactionConflictException;
import io.bigfile.file.TransactionNotOpenException;
import io.bigfile.file.UnknownFileException;
import io.bigfile.file.UnknownTransactionException;
import java.net.URI;
import java.util.Map;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * Maps domain exceptions to RFC 9457 problem details; Spring MVC's own exceptions (bad JSON, type
 * mismatches, unknown routes) become problem details through the base class.
 *
 * <p>Most problems are {@code about:blank} (RFC 9457 section 4.2.1): the status says it all. A
 * problem a client must tell apart from others of its status gets a type of its own under {@link
 * #PROBLEM_TYPES} (section 3.1.1: an absolute URI; it names the problem and is not meant to be
 * fetched), listed with the others in the README's Errors table.
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

  private static final Logger LOG = LoggerFactory.getLogger(ApiExceptionHandler.class);

  /** Where the problem types of bigfile live. */
  static final String PROBLEM_TYPES = "https://bigfile.io/problems/";

  /** 503: the database lost the answer to a commit, whose outcome is settled later. */
  static final URI COMMIT_OUTCOME_UNKNOWN = URI.create(PROBLEM_TYPES + "commit-outcome-unknown");

  /** 422: an idempotency key sent again with a different request. */
  static final URI IDEMPOTENCY_KEY_REUSED = URI.create(PROBLEM_TYPES + "idempotency-key-reused");

  /** 409: an idempotency key sent again while its first request still runs. */
  static final URI IDEMPOTENCY_KEY_IN_USE = URI.create(PROBLEM_TYPES + "idempotency-key-in-use");

  private static final Map<Class<? extends BigFileException>, URI> TYPES =
      Map.of(
          CommitOutcomeUnknownException.class, COMMIT_OUTCOME_UNKNOWN,
          IdempotencyKeyReusedException.class, IDEMPOTENCY_KEY_REUSED,
          IdempotencyKeyInUseException.class, IDEMPOTENCY_KEY_IN_USE);

  private static final Map<Class<? extends BigFileException>, HttpStatus> STATUS =
      Map.ofEntries(
          Map.entry(UnknownFileException.class, HttpStatus.NOT_FOUND),
          Map.entry(UnknownTransactionException.class, HttpStatus.NOT_FOUND),
          Map.entry(TransactionNotOpenException.class, HttpStatus.CONFLICT),
          Map.entry(TransactionConflictException.class, HttpStatus.CONFLICT),
          Map.entry(InvalidRequestException.class, HttpStatus.BAD_REQUEST),
          Map.entry(RevisionNotRetainedException.class, HttpStatus.GONE),
          Map.entry(DirtyBudgetExceededException.class, HttpStatus.CONTENT_TOO_LARGE),
          Map.entry(FileTooLargeException.class, HttpStatus.CONTENT_TOO_LARGE),
          Map.entry(PreconditionFailedException.class, HttpStatus.PRECONDITION_FAILED),
          Map.entry(StorageUnavailableException.class, HttpStatus.SERVICE_UNAVAILABLE),
          Map.entry(StorageRejectedException.class, HttpStatus.INTERNAL_SERVER_ERROR),
          Map.entry(CommitOutcomeUnknownException.class, HttpStatus.SERVICE_UNAVAILABLE),
          Map.entry(IdempotencyKeyReusedException.class, HttpStatus.UNPROCESSABLE_CONTENT),
          Map.entry(IdempotencyKeyInUseException.class, HttpStatus.CONFLICT));

  @ExceptionHandler(BigFileException.class)
  ResponseEntity<ProblemDetail> domain(BigFileException e) {
    HttpStatus status = STATUS.getOrDefault(e.getClass(), HttpStatus.INTERNAL_SERVER_ERROR);
    if (status.is5xxServerError()) {
      // the database's own text (statements, values) goes to the log only, never to the client
      LOG.warn("{}: {}", e.getMessage(), e.getCause() == null ? "" : e.getCause().toString());
    }
    ProblemDetail pd = ProblemDetail.forStatusAndDetail(status, e.getMessage());
    URI type = TYPES.get(e.getClass());
    if (type != null) {
      pd.setType(type);
    }
    if (e instanceof CommitOutcomeUnknownException u) {
      pd.setProperty("transaction", u.transactionId());
    }
    if (e instanceof TransactionConflictException c) {
      pd.setProperty(
          "conflicts",
          c.conflicts().stream()
              .map(x -> Map.of("file", x.file().toString(), "what", x.what(), "blocks", x.blocks()))
              .toList());
    }
    ResponseEntity.BodyBuilder b = ResponseEntity.status(status);
    if (status == HttpStatus.SERVICE_UNAVAILABLE || e instanceof IdempotencyKeyInUseException) {
      b.header("Retry-After", "1");
    }
    return b.body(pd);
  }

  /** Bad JSON: say where, without echoing internals. */
  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException ex,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    Throwable cause = ex.getMostSpecificCause();
    String why = cause.getMessage() == null ? "" : cause.getMessage();
    int nl = why.indexOf('\n');
    if (nl > 0) {
      why = why.substring(0, nl);
    }
    ProblemDetail pd =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            why.isEmpty() ? "the request body is not valid JSON" : "invalid JSON body: " + why);
    return handleExceptionInternal(ex, pd, headers, HttpStatus.BAD_REQUEST, request);
  }

  /**
   * No route: Spring MVC's own detail speaks of static resources, which the service has none of.
   */
  @Override
  protected ResponseEntity<Object> handleNoResourceFoundException(
      NoResourceFoundException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    ProblemDetail pd =
        ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "there is no resource at this path");
    return handleExceptionInternal(ex, pd, headers, HttpStatus.NOT_FOUND, request);
  }

  /**
   * The servlet container could not decode the query string ({@code ?txn=%zz}, {@code ?at=%}): RFC
   * 3986 section 2.1 percent-encoding is the client's to get right, so 400, not 500.
   */
  @ExceptionHandler(InvalidParameterException.class)
  ResponseEntity<ProblemDetail> undecodableQuery(InvalidParameterException e) {
    return ResponseEntity.status(HttpStatus.BAD_REQUEST)
        .body(
            ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST, "the query string holds a malformed percent-escape"));
  }

  @ExceptionHandler(PatchBodies.UnusableRangeException.class)
  ResponseEntity<ProblemDetail> unusableRange(PatchBodies.UnusableRangeException e) {
    return ResponseEntity.status(HttpStatus.UNPROCESSABLE_CONTENT)
        .body(ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, e.getMessage()));
  }

  @ExceptionHandler(PatchBodies.LengthRequiredException.class)
  ResponseEntity<ProblemDetail> lengthRequired(PatchBodies.LengthRequiredException e) {
    return ResponseEntity.status(HttpStatus.LENGTH_REQUIRED)
        .body(ProblemDetail.forStatusAndDetail(HttpStatus.LENGTH_REQUIRED, e.getMessage()));
  }

  @ExceptionHandler(DataAccessException.class)
  ResponseEntity<ProblemDetail> database(DataAccessException e) {
    LOG.warn("database error: {}", e.getMessage());
    return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
        .header("Retry-After", "1")
        .body(
            ProblemDetail.forStatusAndDetail(
                HttpStatus.SERVICE_UNAVAILABLE, "the database is unavailable"));
  }
}

package io.bigfile.web;

import io.bigfile.file.BigFiles;
import io.bigfile.file.TransactionInfo;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Transactions: begin, look up, commit, abort. A transaction belongs to the principal that began it
 * ({@link QueryParams#owner}); to every other principal it is unknown (404), as for an id that
 * never existed.
 */
@RestController
@RequestMapping("/v1/transactions")
@Tag(name = "transactions")
class TransactionsController {

  private final BigFiles files;

  TransactionsController(BigFiles files) {
    this.files = files;
  }

  @PostMapping
  @Operation(
      operationId = "beginTransaction",
      summary = "Begin a transaction at the head revision",
      description =
          "Pass its id as `txn` to file requests. It belongs to the principal that began it (the"
              + " token's subject): to any other it is unknown (404). It lives in the memory of the"
              + " replica that began it, and any replica forwards its requests there; when that"
              + " replica stops, the transaction is lost (404, type"
              + " https://bigfile.io/problems/transaction-lost). It is aborted when unused for"
              + " bigfile.transactions.idle-timeout.")
  @ApiResponse(responseCode = "201", description = "Begun: the open transaction")
  ResponseEntity<TransactionJson> begin(HttpServletRequest req) {
    TransactionInfo t = files.begin(QueryParams.owner(req));
    return ResponseEntity.status(HttpStatus.CREATED)
        .location(URI.create("/v1/transactions/" + t.id()))
        .body(TransactionJson.of(t));
  }

  @GetMapping("/{id}")
  @Operation(operationId = "getTransaction", summary = "A transaction's state")
  @ApiResponse(responseCode = "200", description = "The transaction")
  TransactionJson get(@PathVariable String id, HttpServletRequest req) {
    return TransactionJson.of(files.transaction(id, QueryParams.owner(req)));
  }

  @PostMapping("/{id}/commit")
  @Operation(
      operationId = "commitTransaction",
      summary = "Commit: all changes become visible at one revision",
      description =
          "First committer wins: if a commit after this transaction's snapshot changed a block,"
              + " size, name, format, media type or the existence of a file it changed, the commit fails"
              + " with 409 naming them and the transaction is aborted. A commit that fails for"
              + " another reason (503) leaves the transaction open: retry or abort. When the"
              + " database lost its answer (503, type"
              + " https://bigfile.io/problems/commit-outcome-unknown) the transaction is"
              + " committing until the database answers again; getTransaction then says"
              + " committed (with the revision) or aborted, and a retried commit answers 200 with"
              + " that revision, or 409.")
  @ApiResponse(
      responseCode = "200",
      description = "Committed",
      headers = @Header(name = "BigFile-Revision"))
  @ApiResponse(
      responseCode = "409",
      description =
          "The transaction is no longer open, or a commit conflict (`conflicts` names the files"
              + " and blocks; the transaction is then aborted), or its commit's outcome was"
              + " unknown and it did not land")
  ResponseEntity<TransactionJson> commit(@PathVariable String id, HttpServletRequest req) {
    TransactionInfo t = files.commit(id, QueryParams.owner(req));
    return ResponseEntity.ok()
        .header(Validators.REVISION_HEADER, String.valueOf(t.revision()))
        .body(TransactionJson.of(t));
  }

  @PostMapping("/{id}/abort")
  @Operation(operationId = "abortTransaction", summary = "Abort: discard every change")
  @ApiResponse(responseCode = "200", description = "Aborted")
  @ApiResponse(responseCode = "409", description = "The transaction is no longer open")
  TransactionJson abort(@PathVariable String id, HttpServletRequest req) {
    return TransactionJson.of(files.abort(id, QueryParams.owner(req)));
  }
}

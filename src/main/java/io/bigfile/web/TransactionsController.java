package io.bigfile.web;

import io.bigfile.file.BigFiles;
import io.bigfile.file.TransactionInfo;
import io.swagger.v3.oas.annotations.Operation;
import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Transactions: begin, look up, commit, abort. */
@RestController
@RequestMapping("/v1/transactions")
class TransactionsController {

  private final BigFiles files;

  TransactionsController(BigFiles files) {
    this.files = files;
  }

  @PostMapping
  @Operation(operationId = "beginTransaction", summary = "Begin a transaction at the head revision")
  ResponseEntity<TransactionJson> begin() {
    TransactionInfo t = files.begin();
    return ResponseEntity.status(HttpStatus.CREATED)
        .location(URI.create("/v1/transactions/" + t.id()))
        .body(TransactionJson.of(t));
  }

  @GetMapping("/{id}")
  @Operation(operationId = "getTransaction", summary = "A transaction's state")
  TransactionJson get(@PathVariable String id) {
    return TransactionJson.of(files.transaction(id));
  }

  @PostMapping("/{id}/commit")
  @Operation(
      operationId = "commitTransaction",
      summary = "Commit: all changes become visible at one revision")
  ResponseEntity<TransactionJson> commit(@PathVariable String id) {
    TransactionInfo t = files.commit(id);
    return ResponseEntity.ok()
        .header(Validators.REVISION_HEADER, String.valueOf(t.revision()))
        .body(TransactionJson.of(t));
  }

  @PostMapping("/{id}/abort")
  @Operation(operationId = "abortTransaction", summary = "Abort: discard every change")
  TransactionJson abort(@PathVariable String id) {
    return TransactionJson.of(files.abort(id));
  }
}

package io.bigfile.web;

import io.bigfile.file.BigFiles;
import io.bigfile.file.DataRanges;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.FileNames;
import io.bigfile.file.FileUpdate;
import io.bigfile.file.MediaTypes;
import io.bigfile.file.NewFile;
import io.bigfile.file.Page;
import io.bigfile.file.RequestContext;
import io.bigfile.file.RevisionInfo;
import io.bigfile.file.WriteFormat;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Files: create, list, describe, change attributes, delete, and list revisions. */
@RestController
@RequestMapping("/v1/files")
@Tag(name = "files")
class FilesController {

  private final BigFiles files;

  FilesController(BigFiles files) {
    this.files = files;
  }

  /** The body of POST /v1/files. */
  @Schema(name = "NewFile", description = "A file to create; every field is optional")
  record CreateFileRequest(
      @Schema(
              description = "A name for people; the id names the file. " + NAME_RULE,
              maxLength = FileNames.MAX_LENGTH)
          String name,
      @Schema(
              description =
                  "Bytes per block, a power of two from 4 KiB to 16 MiB, fixed for the file's"
                      + " life (default: bigfile.files.default-block-size, 2 MiB)",
              minimum = "4096",
              maximum = "16777216",
              example = "65536")
          Integer blockSize,
      @Schema(
              description =
                  "How later writes store blocks (default: bigfile.files.default-format, auto)",
              allowableValues = {"auto", "whole", "chunked"})
          String format,
      @Schema(
              description = CONTENT_TYPE + " (default: none, served as application/octet-stream)",
              maxLength = MediaTypes.MAX_LENGTH,
              example = "video/mp4")
          String contentType) {}

  private static final String NAME_RULE =
      "Any Unicode text of at most "
          + FileNames.MAX_LENGTH
          + " characters, without control characters";

  private static final String CONTENT_TYPE =
      "The media type to serve the content with (Content-Type, RFC 9110 8.3.1: type/subtype with"
          + " optional parameters)";

  /** The body of PATCH /v1/files/{id}. */
  @Schema(name = "FileUpdate", description = "Changes to a file; absent fields stay as they are")
  record UpdateFileRequest(
      @Schema(
              description = "Truncate or extend to this many bytes (an extension reads as zeros)",
              minimum = "0")
          Long size,
      @Schema(
              description = "How later writes store blocks",
              allowableValues = {"auto", "whole", "chunked"})
          String format,
      @Schema(description = "A new name. " + NAME_RULE, maxLength = FileNames.MAX_LENGTH)
          String name,
      @Schema(
              description = CONTENT_TYPE + "; the empty string removes it",
              maxLength = MediaTypes.MAX_LENGTH,
              example = "video/mp4")
          String contentType) {}

  /** A page of files. */
  @Schema(name = "FileList", description = "A page of files, by id")
  record FileList(
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<FileJson> items,
      @Schema(nullable = true, description = "The cursor of the next page; null on the last page")
          String nextCursor) {}

  /** One revision that changed a file. */
  @Schema(name = "Revision", description = "A commit that changed the file")
  record RevisionJson(
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) long revision,
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) Instant committedAt,
      @Schema(
              requiredMode = Schema.RequiredMode.REQUIRED,
              description = "What the commit changed in the file")
          List<String> changes) {}

  /** One byte range. */
  record RangeJson(long offset, long length) {}

  /** The byte ranges that hold data, or that changed since a revision. */
  @com.fasterxml.jackson.annotation.JsonInclude(
      com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
  record RangeList(
      long size,
      int blockSize,
      long revision,
      Long since,
      Long sizeAtSince,
      List<RangeJson> ranges,
      String nextCursor) {}

  /** A page of revisions. */
  @Schema(name = "RevisionList", description = "A page of revisions, newest first")
  record RevisionList(
      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<RevisionJson> items,
      @Schema(nullable = true, description = "The cursor of the next page; null on the last page")
          String nextCursor) {}

  static ResponseEntity<FileJson> fileResponse(ResponseEntity.BodyBuilder b, FileInfo f) {
    return b.eTag(Validators.etag(f))
        .lastModified(f.modifiedAt())
        .header(Validators.REVISION_HEADER, Long.toString(f.asOf()))
        .body(FileJson.of(f));
  }

  @PostMapping
  @Operation(
      operationId = "createFile",
      summary = "Create an empty file",
      description = "With `txn`, the file exists for others once the transaction commits.")
  @ApiResponse(responseCode = "201", description = "Created: the new file, of size 0")
  @Parameter(in = ParameterIn.HEADER, name = IdempotencyKeyHeader.NAME)
  ResponseEntity<FileJson> create(
      @RequestBody(required = false) CreateFileRequest body,
      @RequestParam(required = false) String txn,
      @Parameter(hidden = true) @RequestParam(required = false) String at,
      HttpServletRequest req) {
    CreateFileRequest b = body == null ? new CreateFileRequest(null, null, null, null) : body;
    NewFile spec =
        new NewFile(
            b.name(),
            b.blockSize(),
            b.format() == null ? null : WriteFormat.parse(b.format()),
            b.contentType());
    FileInfo f =
        files.create(IdempotencyKeyHeader.forWrite(req, QueryParams.context(txn, at)), spec);
    return fileResponse(
        ResponseEntity.status(HttpStatus.CREATED).location(URI.create("/v1/files/" + f.id())), f);
  }

  @GetMapping
  @Operation(operationId = "listFiles", summary = "List files, by id, a page at a time")
  @ApiResponse(responseCode = "200", description = "A page of files")
  FileList list(
      @RequestParam(defaultValue = "100") int limit,
      @RequestParam(required = false) String cursor,
      @RequestParam(required = false) String txn,
      @RequestParam(required = false) String at) {
    Page<FileInfo> page = files.list(QueryParams.context(txn, at), cursor, limit);
    return new FileList(page.items().stream().map(FileJson::of).toList(), page.nextCursor());
  }

  @GetMapping("/{id}")
  @Operation(operationId = "getFile", summary = "Describe a file")
  @Parameter(in = ParameterIn.HEADER, name = "If-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-None-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-Modified-Since")
  @Parameter(in = ParameterIn.HEADER, name = "If-Unmodified-Since")
  @ApiResponse(responseCode = "200", description = "The file")
  @ApiResponse(
      responseCode = "304",
      description = "Not modified: If-None-Match or If-Modified-Since says the client has it",
      headers = {@Header(name = "ETag"), @Header(name = "Last-Modified")})
  ResponseEntity<FileJson> get(
      @PathVariable String id,
      @RequestParam(required = false) String txn,
      @RequestParam(required = false) String at,
      HttpServletRequest req) {
    FileInfo f = files.stat(QueryParams.context(txn, at), FileId.parse(id));
    switch (Validators.evaluateRead(req, f)) {
      case NOT_MODIFIED -> {
        return ResponseEntity.status(HttpStatus.NOT_MODIFIED)
            .eTag(Validators.etag(f))
            .lastModified(f.modifiedAt())
            .build();
      }
      case PRECONDITION_FAILED -> throw Validators.readPreconditionFailed();
      case PROCEED -> {
        return fileResponse(ResponseEntity.ok(), f);
      }
    }
    throw new IllegalStateException();
  }

  @PatchMapping("/{id}")
  @Operation(
      operationId = "updateFile",
      summary = "Truncate or extend, change the write format, rename, or change the media type")
  @Parameter(in = ParameterIn.HEADER, name = "If-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-None-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-Unmodified-Since")
  @Parameter(in = ParameterIn.HEADER, name = IdempotencyKeyHeader.NAME)
  @ApiResponse(responseCode = "200", description = "Changed: the file as it is now")
  @ApiResponse(
      responseCode = "413",
      description = "The size is past bigfile.files.max-size, or over a dirty budget")
  ResponseEntity<FileJson> update(
      @PathVariable String id,
      @RequestBody UpdateFileRequest body,
      @RequestParam(required = false) String txn,
      @Parameter(hidden = true) @RequestParam(required = false) String at,
      HttpServletRequest req) {
    FileUpdate u =
        new FileUpdate(
            body.size(),
            body.format() == null ? null : WriteFormat.parse(body.format()),
            body.name(),
            body.contentType());
    FileInfo f =
        files.update(
            IdempotencyKeyHeader.forWrite(req, QueryParams.context(txn, at)),
            FileId.parse(id),
            u,
            Validators.forWrite(req));
    return fileResponse(ResponseEntity.ok(), f);
  }

  @DeleteMapping("/{id}")
  @Operation(operationId = "deleteFile", summary = "Delete a file")
  @Parameter(in = ParameterIn.HEADER, name = "If-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-None-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-Unmodified-Since")
  @Parameter(in = ParameterIn.HEADER, name = IdempotencyKeyHeader.NAME)
  @ApiResponse(responseCode = "204", description = "Deleted")
  ResponseEntity<Void> delete(
      @PathVariable String id,
      @RequestParam(required = false) String txn,
      @Parameter(hidden = true) @RequestParam(required = false) String at,
      HttpServletRequest req) {
    files.delete(
        IdempotencyKeyHeader.forWrite(req, QueryParams.context(txn, at)),
        FileId.parse(id),
        Validators.forWrite(req));
    return ResponseEntity.noContent().build();
  }

  @GetMapping("/{id}/ranges")
  @Operation(
      operationId = "listRanges",
      summary =
          "Byte ranges that hold data (holes left out), or with since= the ranges changed after that"
              + " revision; block resolution, paged by byte offset")
  RangeList ranges(
      @PathVariable String id,
      @RequestParam(required = false) Long since,
      @RequestParam(defaultValue = "1000") int limit,
      @RequestParam(required = false) String cursor,
      @RequestParam(required = false) String txn,
      @RequestParam(required = false) String at,
      HttpServletResponse resp) {
    DataRanges r =
        files.ranges(QueryParams.context(txn, at), FileId.parse(id), since, cursor, limit);
    resp.setHeader(Validators.REVISION_HEADER, Long.toString(r.revision()));
    return new RangeList(
        r.size(),
        r.blockSize(),
        r.revision(),
        r.since(),
        r.sizeAtSince(),
        r.ranges().stream().map(e -> new RangeJson(e.offset(), e.length())).toList(),
        r.nextCursor());
  }

  @GetMapping("/{id}/revisions")
  @Operation(
      operationId = "listRevisions",
      summary = "Revisions that changed the file, newest first")
  @ApiResponse(responseCode = "200", description = "A page of revisions")
  RevisionList revisions(
      @PathVariable String id,
      @RequestParam(defaultValue = "100") int limit,
      @RequestParam(required = false) String cursor,
      @RequestParam(required = false) String txn,
      @RequestParam(required = false) String at) {
    RequestContext ctx = QueryParams.context(txn, at);
    Page<RevisionInfo> page = files.revisions(ctx, FileId.parse(id), cursor, limit);
    return new RevisionList(
        page.items().stream()
            .map(r -> new RevisionJson(r.revision(), r.committedAt(), r.changes()))
            .toList(),
        page.nextCursor());
  }
}

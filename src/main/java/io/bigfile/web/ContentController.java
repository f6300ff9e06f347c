package io.bigfile.web;

import io.bigfile.file.BigFiles;
import io.bigfile.file.FileContent;
import io.bigfile.file.FileId;
import io.bigfile.file.FileInfo;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.MediaTypes;
import io.bigfile.file.RangeParts;
import io.bigfile.file.RequestContext;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RestController;

/**
 * A file's bytes: range reads (RFC 9110 section 14), range writes, replace and append. Reads stream
 * straight from the engine to the socket; a request body has been received before its handler runs
 * ({@link ReceivedBodies}: in memory when small, else in a temporary file) and streams from there
 * into the engine; nothing holds a whole large body in memory. Reads are served as the file's media
 * type with its name ({@code Content-Disposition}), at {@code /content} and, for tools that look at
 * the URL's extension, at {@code /content/{anyName}}.
 */
@RestController
@RequestMapping("/v1/files/{id}/content")
@Tag(name = "content")
class ContentController {

  private static final String OCTETS = MediaType.APPLICATION_OCTET_STREAM_VALUE;

  /**
   * Every response of a content URL says {@code X-Content-Type-Options: nosniff} (Fetch, section
   * "X-Content-Type-Options"), errors too: a browser never guesses a type from the bytes, so stored
   * HTML is never rendered as a page of this origin unless its contentType says so.
   */
  @ModelAttribute
  void noSniffing(HttpServletResponse resp) {
    resp.setHeader(NOSNIFF_HEADER, "nosniff");
  }

  static final String NOSNIFF_HEADER = "X-Content-Type-Options";

  /**
   * The representation's own header fields (RFC 9110 section 8.3, RFC 6266), set only once the
   * content is sent (200 or 206), never on an error: the file's media type, and its name.
   */
  private static void describe(HttpServletResponse resp, FileInfo f, String contentType) {
    resp.setContentType(contentType);
    if (f.name() != null && !f.name().isEmpty()) {
      resp.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDispositionHeader.inline(f.name()));
    }
  }

  private static String mediaType(FileInfo f) {
    return f.contentType() == null ? MediaTypes.DEFAULT : f.contentType();
  }

  private final BigFiles files;
  private final RangePolicy rangePolicy;

  ContentController(BigFiles files, RangePolicy rangePolicy) {
    this.files = files;
    this.rangePolicy = rangePolicy;
  }

  @RequestMapping(method = {RequestMethod.GET, RequestMethod.HEAD})
  @Operation(operationId = "readContent", summary = "Read the file's bytes, whole or in ranges")
  @ContentReadDescription
  void read(@PathVariable String id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    serve(id, req, resp);
  }

  @RequestMapping(
      path = "/{name}",
      method = {RequestMethod.GET, RequestMethod.HEAD})
  @Operation(
      operationId = "readContentByName",
      summary = "Read the file's bytes under a URL that ends in a name",
      description =
          "Exactly what readContent serves (ranges, validators, preconditions, `txn` and `at`),"
              + " for tools that decide by the extension at the end of the URL (GDAL's"
              + " CPL_VSIL_CURL_ALLOWED_EXTENSIONS, for one). The name is not checked against the"
              + " file's name.")
  @Parameter(
      in = ParameterIn.PATH,
      name = "name",
      required = true,
      description = "Any name, such as the file's own: `scene.tif`",
      schema = @Schema(type = "string"))
  @ContentReadDescription
  void readByName(
      @PathVariable String id,
      @PathVariable String name,
      HttpServletRequest req,
      HttpServletResponse resp)
      throws IOException {
    serve(id, req, resp);
  }

  /** A read of the content, whichever URL named it. */
  private void serve(String id, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    RequestContext ctx = QueryParams.context(req);
    boolean head = RequestMethod.HEAD.name().equals(req.getMethod());
    try (FileContent content = files.open(ctx, FileId.parse(id))) {
      FileInfo f = content.info();
      Validators.write(resp, f);
      resp.setHeader(HttpHeaders.ACCEPT_RANGES, "bytes");
      resp.setHeader("Accept-Patch", ACCEPT_PATCH);
      switch (Validators.evaluateRead(req, f)) {
        case NOT_MODIFIED -> {
          resp.setStatus(HttpServletResponse.SC_NOT_MODIFIED);
          return;
        }
        case PRECONDITION_FAILED -> throw Validators.readPreconditionFailed();
        case PROCEED -> {
          // go on
        }
      }
      String range = req.getHeader(HttpHeaders.RANGE);
      if (range != null && Validators.ifRangeHolds(req, f)) {
        RangeHeader.Parsed parsed = RangeHeader.resolve(range, f.size());
        if (parsed.unsatisfiable()) {
          // RFC 9110 section 15.5.17: 416 with Content-Range: bytes */complete-length
          resp.setStatus(HttpServletResponse.SC_REQUESTED_RANGE_NOT_SATISFIABLE);
          resp.setHeader(HttpHeaders.CONTENT_RANGE, "bytes */" + f.size());
          writeProblem(
              resp,
              416,
              "Range Not Satisfiable",
              "no range overlaps the " + f.size() + " bytes of the file",
              head);
          return;
        }
        if (!parsed.ignored() && rangePolicy.allows(parsed, f.size())) {
          List<ByteRange> ranges = parsed.satisfiable();
          if (ranges.size() == 1) {
            ByteRange r = ranges.get(0);
            resp.setStatus(HttpServletResponse.SC_PARTIAL_CONTENT);
            resp.setHeader(HttpHeaders.CONTENT_RANGE, r.contentRange(f.size()));
            describe(resp, f, mediaType(f));
            resp.setContentLengthLong(r.length());
            if (!head) {
              content.copyTo(r.offset(), r.length(), resp.getOutputStream());
            }
          } else {
            writeMultipart(content, f, ranges, resp, head);
          }
          return;
        }
      }
      resp.setStatus(HttpServletResponse.SC_OK);
      describe(resp, f, mediaType(f));
      resp.setContentLengthLong(f.size());
      if (!head) {
        content.copyTo(0, f.size(), resp.getOutputStream());
      }
    }
  }

  /** RFC 9110 section 14.6: {@code multipart/byteranges}, parts in request order. */
  private static void writeMultipart(
      FileContent content,
      FileInfo f,
      List<ByteRange> ranges,
      HttpServletResponse resp,
      boolean head)
      throws IOException {
    String boundary = UUID.randomUUID().toString().replace("-", "");
    byte[][] partHeads = new byte[ranges.size()][];
    long total = 0;
    for (int i = 0; i < ranges.size(); i++) {
      ByteRange r = ranges.get(i);
      partHeads[i] =
          ((i == 0 ? "" : "\r\n")
                  + "--"
                  + boundary
                  + "\r\nContent-Type: "
                  + mediaType(f)
                  + "\r\nContent-Range: "
                  + r.contentRange(f.size())
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII);
      total += partHeads[i].length + r.length();
    }
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
    total += tail.length;
    resp.setStatus(HttpServletResponse.SC_PARTIAL_CONTENT);
    describe(resp, f, "multipart/byteranges; boundary=" + boundary);
    resp.setContentLengthLong(total);
    if (head) {
      return;
    }
    OutputStream out = resp.getOutputStream();
    for (int i = 0; i < ranges.size(); i++) {
      out.write(partHeads[i]);
      content.copyTo(ranges.get(i).offset(), ranges.get(i).length(), out);
    }
    out.write(tail);
  }

  private static void writeProblem(
      HttpServletResponse resp, int status, String title, String detail, boolean head)
      throws IOException {
    byte[] body =
        ("{\"type\":\"about:blank\",\"title\":\""
                + title
                + "\",\"status\":"
                + status
                + ",\"detail\":\""
                + detail.replace("\"", "'")
                + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    resp.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    resp.setContentLength(body.length);
    if (!head) {
      resp.getOutputStream().write(body);
    }
  }

  @PutMapping
  @Operation(
      operationId = "writeContent",
      summary =
          "Replace the whole content, or with Content-Range write the body at an offset (bytes a-b/N also sets"
              + " the size to N)",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              description = "The bytes to write",
              content =
                  @Content(
                      mediaType = OCTETS,
                      schema = @Schema(type = "string", format = "binary"))))
  @ApiResponse(responseCode = "200", description = "Written: the file as it is now")
  @ApiResponse(
      responseCode = "413",
      description = "The file would grow past bigfile.files.max-size, or over a dirty budget")
  @Parameter(in = ParameterIn.QUERY, name = "txn", description = "Write inside this transaction")
  @Parameter(
      in = ParameterIn.HEADER,
      name = "Content-Range",
      description = "bytes a-b/* or bytes a-b/N")
  @Parameter(in = ParameterIn.HEADER, name = "If-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-None-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-Unmodified-Since")
  @Parameter(in = ParameterIn.HEADER, name = IdempotencyKeyHeader.NAME)
  ResponseEntity<FileJson> write(@PathVariable String id, HttpServletRequest req)
      throws IOException {
    RequestContext ctx = IdempotencyKeyHeader.forWrite(req, QueryParams.context(req));
    FileId fid = FileId.parse(id);
    long declared = req.getContentLengthLong();
    String cr = req.getHeader(HttpHeaders.CONTENT_RANGE);
    FileInfo f;
    if (cr == null) {
      f = files.replace(ctx, fid, declared, req.getInputStream(), Validators.forWrite(req));
    } else {
      ContentRangeHeader range = ContentRangeHeader.parse(cr);
      if (declared >= 0 && declared != range.length()) {
        throw new InvalidRequestException(
            "Content-Length "
                + declared
                + " differs from the "
                + range.length()
                + " bytes of Content-Range "
                + cr);
      }
      f =
          files.write(
              ctx,
              fid,
              range.first(),
              range.length(),
              req.getInputStream(),
              range.completeLength(),
              Validators.forWrite(req));
    }
    return FilesController.fileResponse(ResponseEntity.ok(), f);
  }

  /** What PATCH accepts, advertised with {@code Accept-Patch} (RFC 5789 section 3.1). */
  static final String ACCEPT_PATCH = "message/byterange, multipart/byteranges";

  /**
   * Byte-range PATCH (draft-ietf-httpapi-patch-byterange): {@code message/byterange} writes one
   * range, {@code multipart/byteranges} several, all or none. Any other media type is 415 with
   * {@code Accept-Patch}.
   */
  @PatchMapping
  @Operation(
      operationId = "patchContent",
      summary =
          "Write one or several byte ranges atomically (message/byterange, multipart/byteranges)",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              description =
                  "message/byterange: a header section with Content-Range (and Content-Length),"
                      + " a blank line, the range's bytes; multipart/byteranges: one such part per"
                      + " range, with the boundary in Content-Type",
              content = {
                @Content(
                    mediaType = "message/byterange",
                    schema = @Schema(type = "string", format = "binary")),
                @Content(
                    mediaType = "multipart/byteranges",
                    schema = @Schema(type = "string", format = "binary"))
              }))
  @ApiResponse(
      responseCode = "200",
      description = "Written, every range or none: the file as it is now",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON_VALUE,
              schema = @Schema(implementation = FileJson.class)))
  @ApiResponse(
      responseCode = "411",
      description = "A part does not say its length where the format requires it")
  @ApiResponse(
      responseCode = "413",
      description = "The file would grow past bigfile.files.max-size, or over a dirty budget")
  @ApiResponse(
      responseCode = "415",
      description = "Not a patch format this endpoint takes; Accept-Patch lists them")
  @Parameter(in = ParameterIn.QUERY, name = "txn", description = "Write inside this transaction")
  @Parameter(in = ParameterIn.HEADER, name = "If-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-Unmodified-Since")
  @Parameter(in = ParameterIn.HEADER, name = IdempotencyKeyHeader.NAME)
  ResponseEntity<?> patch(@PathVariable String id, HttpServletRequest req) throws IOException {
    RequestContext ctx = IdempotencyKeyHeader.forWrite(req, QueryParams.context(req));
    FileId fid = FileId.parse(id);
    String type = req.getContentType();
    String media = PatchBodies.mediaType(type);
    RangeParts parts;
    if (media.equals("message/byterange")) {
      parts = PatchBodies.messageByterange(req.getInputStream());
    } else if (media.equals("multipart/byteranges")) {
      parts = PatchBodies.multipart(req.getInputStream(), PatchBodies.parameter(type, "boundary"));
    } else {
      ProblemDetail pd =
          ProblemDetail.forStatusAndDetail(
              HttpStatus.UNSUPPORTED_MEDIA_TYPE,
              "PATCH of file content takes "
                  + ACCEPT_PATCH
                  + ", not '"
                  + (type == null ? "no Content-Type" : type)
                  + "'");
      return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
          .header("Accept-Patch", ACCEPT_PATCH)
          .contentType(MediaType.APPLICATION_PROBLEM_JSON)
          .body(pd);
    }
    FileInfo f = files.patch(ctx, fid, parts, Validators.forWrite(req));
    return FilesController.fileResponse(ResponseEntity.ok(), f);
  }

  @RequestMapping(method = RequestMethod.OPTIONS)
  @Operation(operationId = "contentOptions", summary = "Methods and patch formats of file content")
  @ApiResponse(
      responseCode = "200",
      description = "Allow, Accept-Patch and Accept-Ranges say what the content endpoints take",
      headers = {
        @Header(name = "Allow", schema = @Schema(type = "string")),
        @Header(name = "Accept-Patch", schema = @Schema(type = "string")),
        @Header(name = "Accept-Ranges")
      })
  ResponseEntity<Void> options(@PathVariable String id) {
    return ResponseEntity.ok()
        .header(HttpHeaders.ALLOW, "GET, HEAD, PUT, POST, PATCH, OPTIONS")
        .header("Accept-Patch", ACCEPT_PATCH)
        .header(HttpHeaders.ACCEPT_RANGES, "bytes")
        .build();
  }

  @PostMapping
  @Operation(
      operationId = "appendContent",
      summary = "Append the body at the end of the file",
      requestBody =
          @io.swagger.v3.oas.annotations.parameters.RequestBody(
              required = true,
              description = "The bytes to append",
              content =
                  @Content(
                      mediaType = OCTETS,
                      schema = @Schema(type = "string", format = "binary"))))
  @ApiResponse(responseCode = "200", description = "Appended: the file as it is now")
  @ApiResponse(
      responseCode = "413",
      description = "The file would grow past bigfile.files.max-size, or over a dirty budget")
  @Parameter(in = ParameterIn.QUERY, name = "txn", description = "Append inside this transaction")
  @Parameter(in = ParameterIn.HEADER, name = "If-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-None-Match")
  @Parameter(in = ParameterIn.HEADER, name = "If-Unmodified-Since")
  @Parameter(in = ParameterIn.HEADER, name = IdempotencyKeyHeader.NAME)
  ResponseEntity<FileJson> append(@PathVariable String id, HttpServletRequest req)
      throws IOException {
    RequestContext ctx = IdempotencyKeyHeader.forWrite(req, QueryParams.context(req));
    FileInfo f =
        files.append(
            ctx,
            FileId.parse(id),
            req.getContentLengthLong(),
            req.getInputStream(),
            Validators.forWrite(req));
    return FilesController.fileResponse(ResponseEntity.ok(), f);
  }
}

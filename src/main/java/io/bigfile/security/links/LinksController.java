package io.bigfile.security.links;

import io.bigfile.file.BigFiles;
import io.bigfile.file.FileId;
import io.bigfile.file.InvalidRequestException;
import io.bigfile.file.RequestContext;
import io.bigfile.security.audit.AuditLog;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.media.Schema.RequiredMode;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * Creates signed links to a file's content, for clients that cannot send an {@code Authorization}
 * header (a browser's {@code <video>}, ffmpeg, aria2c, GDAL's {@code /vsicurl/}).
 */
@RestController
@RequestMapping("/v1/files/{id}/links")
@Tag(name = "content")
class LinksController {

  /** How long a link lives when the request does not say (or the maximum, if lower). */
  static final Duration DEFAULT_EXPIRES_IN = Duration.ofHours(1);

  /** The scope that implies every other. */
  private static final String ADMIN_AUTHORITY = "SCOPE_files.admin";

  private final BigFiles files;
  private final LinkSigner signer;

  LinksController(BigFiles files, LinkSigner signer) {
    this.files = files;
    this.signer = signer;
  }

  /** The body of POST /v1/files/{id}/links. */
  @Schema(name = "NewLink", description = "What a signed link grants, and for how long")
  record CreateLinkRequest(
      @ArraySchema(
              minItems = 1,
              uniqueItems = true,
              // the names are listed in the description rather than as an enum: openapi-generator
              // 7.25.0's Java client does not compile for an array of inline enum values
              schema = @Schema(type = "string", example = "read"),
              arraySchema =
                  @Schema(
                      requiredMode = RequiredMode.REQUIRED,
                      description =
                          "What the link allows, each of: read (GET and HEAD of the content, whole,"
                              + " one range or several), write (PUT, PATCH and POST of the content). The caller must hold"
                              + " the scope of each (files.read, files.write)."))
          List<String> operations,
      @Schema(
              description =
                  "How long the link works, an ISO 8601 duration, positive and at most"
                      + " bigfile.security.links.max-expires-in (P7D); default PT1H",
              example = "PT1H")
          String expiresIn,
      @Schema(
              description =
                  "Pin reads to this revision: the link serves the file as it was then, whatever"
                      + " is committed later, while the revision is retained. Only for read links.",
              minimum = "0")
          Long at) {}

  /** The answer: the link and what it grants. */
  @Schema(name = "Link", description = "A signed link to the file's content")
  record LinkJson(
      @Schema(
              requiredMode = RequiredMode.REQUIRED,
              description =
                  "The content URL with the link's query parameters; use it as it is, with any"
                      + " Range or conditional headers")
          String url,
      @Schema(requiredMode = RequiredMode.REQUIRED, description = "When the link stops working")
          Instant expiresAt,
      @Schema(requiredMode = RequiredMode.REQUIRED, description = "What the link allows")
          List<String> operations,
      @Schema(
              requiredMode = RequiredMode.REQUIRED,
              nullable = true,
              description = "The revision reads are pinned to; null when not pinned")
          Long at) {}

  @PostMapping
  @Operation(
      operationId = "createLink",
      summary = "Create a signed link to the file's content",
      description =
          "The link is the content URL with query parameters carrying the operations, the expiry,"
              + " the pinned revision, a key id and an HMAC-SHA256 signature over them and the"
              + " path. Whoever holds it may do what it grants, as the caller, until it expires or"
              + " its key is removed; headers such as Range are not signed, so any range works."
              + " It cannot be used with txn.")
  @ApiResponse(
      responseCode = "201",
      description = "Created: the link; Location is its URL",
      content =
          @Content(
              mediaType = MediaType.APPLICATION_JSON_VALUE,
              schema = @Schema(implementation = LinkJson.class)))
  @ApiResponse(
      responseCode = "403",
      description = "The caller lacks the scope of an operation it asks the link to grant")
  @ApiResponse(responseCode = "410", description = "at is older than the retained history")
  ResponseEntity<?> create(
      @PathVariable String id, @RequestBody CreateLinkRequest body, HttpServletRequest request) {
    FileId file = FileId.parse(id);
    Set<LinkOperation> ops = operations(body.operations());
    Duration expiresIn = expiresIn(body.expiresIn());
    if (body.at() != null && ops.contains(LinkOperation.WRITE)) {
      throw new InvalidRequestException(
          "at pins reads; a link that grants write cannot be pinned to a revision");
    }
    Authentication caller = SecurityContextHolder.getContext().getAuthentication();
    for (LinkOperation op : ops) {
      if (!mayGrant(caller, op)) {
        // RFC 6750 section 3.1, as the security chain's 403: the token lacks a scope, named
        return ResponseEntity.status(HttpStatus.FORBIDDEN)
            .header(
                HttpHeaders.WWW_AUTHENTICATE,
                "Bearer realm=\"bigfile\", error=\"insufficient_scope\", scope=\""
                    + op.scope()
                    + "\"")
            .body(
                LinkProblems.forbidden(
                    "granting " + op.id() + " needs the scope " + op.scope() + ", which you lack"));
      }
    }
    // the file must exist, and a pinned revision be readable (400 past the head, 410 if packed)
    files.stat(
        body.at() == null ? RequestContext.AUTOCOMMIT : RequestContext.of(null, null, body.at()),
        file);
    LinkSigner.SignedLink link;
    try {
      link =
          signer.sign("/v1/files/" + file + "/content", ops, body.at(), expiresIn, subject(caller));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    String url =
        ServletUriComponentsBuilder.fromCurrentContextPath().build().toUriString()
            + link.grant().path()
            + "?"
            + link.query();
    AuditLog.annotate(request, "bigfile.link.operations", LinkOperation.render(ops));
    AuditLog.annotate(request, "bigfile.link.expires", link.grant().expiresAt().toString());
    AuditLog.annotate(request, "bigfile.link.key", link.grant().keyId());
    AuditLog.annotate(request, "bigfile.revision", body.at());
    // the URL is a credential: no cache keeps the answer
    return ResponseEntity.created(URI.create(url))
        .cacheControl(CacheControl.noStore())
        .body(
            new LinkJson(
                url,
                link.grant().expiresAt(),
                EnumSet.copyOf(ops).stream().map(LinkOperation::id).toList(),
                body.at()));
  }

  private static Set<LinkOperation> operations(List<String> names) {
    if (names == null || names.isEmpty()) {
      throw new InvalidRequestException("operations must name at least one of read, write");
    }
    EnumSet<LinkOperation> ops = EnumSet.noneOf(LinkOperation.class);
    for (String n : names) {
      LinkOperation op = LinkOperation.byId(n);
      if (op == null) {
        throw new InvalidRequestException(
            "'" + n + "' is not an operation a link can grant; read and write are");
      }
      ops.add(op);
    }
    return ops;
  }

  private Duration expiresIn(String text) {
    if (text == null) {
      return DEFAULT_EXPIRES_IN.compareTo(signer.maxExpiresIn()) < 0
          ? DEFAULT_EXPIRES_IN
          : signer.maxExpiresIn();
    }
    Duration d;
    try {
      d = Duration.parse(text);
    } catch (DateTimeParseException e) {
      throw new InvalidRequestException(
          "expiresIn must be an ISO 8601 duration such as PT1H, not '" + text + "'");
    }
    if (d.isNegative() || d.isZero()) {
      throw new InvalidRequestException("expiresIn must be positive, not " + text);
    }
    if (d.compareTo(signer.maxExpiresIn()) > 0) {
      throw new InvalidRequestException(
          "expiresIn "
              + text
              + " is longer than a link may live ("
              + signer.maxExpiresIn()
              + ", bigfile.security.links.max-expires-in)");
    }
    return d;
  }

  /**
   * Whether the caller holds the scope of {@code op} (or files.admin). A request with no
   * authentication, or an anonymous one, comes from a service whose security is off ({@code
   * bigfile.security.mode=none}): in the other modes the security chain answers 401 to an
   * unauthenticated request of this endpoint before it gets here ({@code AccessRules}: any valid
   * token), and a signed link is never valid for it.
   */
  private static boolean mayGrant(Authentication caller, LinkOperation op) {
    if (caller == null || caller instanceof AnonymousAuthenticationToken) {
      return true;
    }
    for (GrantedAuthority a : caller.getAuthorities()) {
      String name = a.getAuthority();
      if (op.authority().equals(name) || ADMIN_AUTHORITY.equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static String subject(Authentication caller) {
    if (caller == null || caller instanceof AnonymousAuthenticationToken) {
      return "anonymous";
    }
    return caller.getName();
  }
}

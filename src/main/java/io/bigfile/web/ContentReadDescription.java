package io.bigfile.web;

import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.headers.Header;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The OpenAPI description of a content read (its answers and parameters), shared by the URLs that
 * serve one: {@code /content} and {@code /content/{name}}.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ApiResponse(
    responseCode = "200",
    description =
        "The whole content (no Range, a malformed one, or If-Range did not match), with the"
            + " file's contentType as Content-Type (application/octet-stream when it has none)",
    headers = {
      @Header(name = "Accept-Ranges"),
      @Header(name = "Content-Disposition"),
      @Header(name = "X-Content-Type-Options")
    },
    content = @Content(mediaType = "*/*", schema = @Schema(type = "string", format = "binary")))
@ApiResponse(
    responseCode = "206",
    description =
        "One range (in the file's contentType, with Content-Range) or several"
            + " (multipart/byteranges, parts in request order, each with the file's contentType)",
    headers = {
      @Header(name = "Accept-Ranges"),
      @Header(name = "Content-Range"),
      @Header(name = "Content-Disposition"),
      @Header(name = "X-Content-Type-Options")
    },
    content = {
      @Content(mediaType = "*/*", schema = @Schema(type = "string", format = "binary")),
      @Content(
          mediaType = "multipart/byteranges",
          schema = @Schema(type = "string", format = "binary"))
    })
@ApiResponse(
    responseCode = "304",
    description = "Not modified: If-None-Match or If-Modified-Since says the client has it")
@ApiResponse(
    responseCode = "416",
    description = "No requested range overlaps the file (Content-Range: bytes */size)",
    headers = @Header(name = "Content-Range"))
@Parameter(in = ParameterIn.QUERY, name = "txn", description = "Read inside this transaction")
@Parameter(in = ParameterIn.QUERY, name = "at", description = "Read at this past revision")
@Parameter(in = ParameterIn.HEADER, name = "Range", description = "RFC 9110 byte ranges")
@Parameter(in = ParameterIn.HEADER, name = "If-Range")
@Parameter(in = ParameterIn.HEADER, name = "If-Match")
@Parameter(in = ParameterIn.HEADER, name = "If-None-Match")
@Parameter(in = ParameterIn.HEADER, name = "If-Modified-Since")
@Parameter(in = ParameterIn.HEADER, name = "If-Unmodified-Since")
@interface ContentReadDescription {}

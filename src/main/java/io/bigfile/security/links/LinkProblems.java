package io.bigfile.security.links;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import tools.jackson.databind.json.JsonMapper;

/** The 403 problem of a refused link or of a link its creator may not grant (RFC 9457). */
final class LinkProblems {

  /** The problem type of every 403 of the service. */
  static final URI FORBIDDEN = URI.create("https://bigfile.io/problems/forbidden");

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private LinkProblems() {}

  static ProblemDetail forbidden(String detail) {
    ProblemDetail pd = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail);
    pd.setType(FORBIDDEN);
    return pd;
  }

  /** Writes the problem straight to the response, from a filter, before any dispatch. */
  static void write(HttpServletResponse response, String detail, String instance)
      throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", FORBIDDEN.toString());
    body.put("title", HttpStatus.FORBIDDEN.getReasonPhrase());
    body.put("status", HttpStatus.FORBIDDEN.value());
    body.put("detail", detail);
    body.put("instance", instance);
    byte[] bytes = JSON.writeValueAsBytes(body);
    response.setStatus(HttpStatus.FORBIDDEN.value());
    // as every answer of a content URL (README, "Ranges and conditional requests")
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.setContentLength(bytes.length);
    response.getOutputStream().write(bytes);
  }
}

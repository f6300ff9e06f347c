package io.bigfile.web;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;

/**
 * The error page, {@code /error}, in place of Spring Boot's {@code BasicErrorController} (whose
 * JSON is not a problem): the servlet container forwards here what it refuses inside the
 * application ({@code TRACE}, a body cut short of its {@code Content-Length}) and whatever
 * exception no handler took. Every method, every {@code Accept}: the answer is always a problem
 * (see {@link ErrorProblems}). Not part of the API, so not in the OpenAPI description.
 */
@Controller
@Hidden
class ErrorProblemController implements ErrorController {

  @RequestMapping("${server.error.path:${error.path:/error}}")
  void error(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    Object code = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
    // no status: /error asked for by a client, not forwarded to by the container
    int status = code instanceof Integer i && i >= 400 ? i : code == null ? 404 : 500;
    Object failure = req.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
    StartedResponses.dropContentHeaders(resp);
    resp.setStatus(status);
    // a target the container refuses never reaches the application, so never this page
    ErrorProblems.write(
        resp, ErrorProblems.problem(status, false, failure instanceof Throwable t ? t : null));
  }
}

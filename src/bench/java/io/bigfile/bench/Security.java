package io.bigfile.bench;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * How the benchmark's services authenticate their clients ({@code bigfile.security.mode}). Every
 * service runs in {@link #TOKEN} mode, with authentication on as in a deployment, except the
 * baseline side of figure 7, which runs the same reads in {@link #NONE} mode to say what a
 * request's authentication costs.
 *
 * <p>The token and the key that signs links are random for each benchmark run and given to the
 * service as arguments, so that it writes no generated token or key file into the working
 * directory. Neither is in the results; a child's command line, in its output log under {@code
 * target/bench}, carries both, worthless once the run is over.
 */
enum Security {
  /** One static token with every scope, sent by every client as {@code Authorization: Bearer}. */
  TOKEN("token"),
  /** No authentication: the security filter chain permits every request. */
  NONE("none");

  /** The subject of the benchmark's token. */
  static final String SUBJECT = "bench";

  private static final String BEARER = random();
  private static final String LINK_KEY = random();

  final String mode;

  Security(String mode) {
    this.mode = mode;
  }

  /** The service's arguments for this mode: {@code --bigfile.security.*}. */
  List<String> arguments() {
    List<String> args = new ArrayList<>();
    args.add("--bigfile.security.mode=" + mode);
    if (this == TOKEN) {
      args.add("--bigfile.security.tokens[0].subject=" + SUBJECT);
      args.add("--bigfile.security.tokens[0].token=" + BEARER);
      args.add(
          "--bigfile.security.tokens[0].scopes=files.read,files.write,files.delete,files.admin");
    }
    args.add("--bigfile.security.links.keys.bench=" + LINK_KEY);
    return args;
  }

  /** The bearer token clients send in this mode, or null for none. */
  String token() {
    return this == TOKEN ? BEARER : null;
  }

  /** 32 random bytes in base64. */
  private static String random() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return Base64.getEncoder().encodeToString(bytes);
  }
}

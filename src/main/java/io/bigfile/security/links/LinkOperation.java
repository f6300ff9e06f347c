package io.bigfile.security.links;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a signed link may do with a file's content ({@code /v1/files/{id}/content}), the methods
 * each allows, and the scope its creator must hold to grant it.
 */
public enum LinkOperation {
  /** GET and HEAD of the content: whole, one range or several ({@code multipart/byteranges}). */
  READ("read", "files.read", Set.of("GET", "HEAD")),
  /** PUT (replace or write at Content-Range), PATCH (byte ranges) and POST (append). */
  WRITE("write", "files.write", Set.of("PUT", "PATCH", "POST"));

  private final String id;
  private final String scope;
  private final Set<String> methods;

  LinkOperation(String id, String scope, Set<String> methods) {
    this.id = id;
    this.scope = scope;
    this.methods = methods;
  }

  /** The name in a link's URL and in the JSON of {@code POST /v1/files/{id}/links}. */
  public String id() {
    return id;
  }

  /** The scope the creator of a link must hold to grant this operation. */
  public String scope() {
    return scope;
  }

  /** The authority a request authenticated by a link holds for this operation. */
  public String authority() {
    return "SCOPE_" + scope;
  }

  public boolean allows(String method) {
    return methods.contains(method);
  }

  /** The operation named {@code id}, or null when there is none of that name. */
  public static LinkOperation byId(String id) {
    for (LinkOperation op : values()) {
      if (op.id.equals(id)) {
        return op;
      }
    }
    return null;
  }

  /** The one text form of a set of operations: ids in declaration order, comma-separated. */
  public static String render(Collection<LinkOperation> ops) {
    return EnumSet.copyOf(ops).stream().map(LinkOperation::id).collect(Collectors.joining(","));
  }

  /**
   * Parses the text form written by {@link #render}; null unless {@code text} is exactly that form
   * of a non-empty set (no other order, no repeats), so that one grant has one URL.
   */
  public static Set<LinkOperation> parse(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    EnumSet<LinkOperation> ops = EnumSet.noneOf(LinkOperation.class);
    for (String part : text.split(",", -1)) {
      LinkOperation op = byId(part);
      if (op == null) {
        return null;
      }
      ops.add(op);
    }
    return render(ops).equals(text) ? ops : null;
  }
}

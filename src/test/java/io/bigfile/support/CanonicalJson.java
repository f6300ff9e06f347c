package io.bigfile.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON in one canonical text: object keys sorted, two-space indentation, one array element per
 * line, a final newline. Two equal documents give the same text whatever order their producer wrote
 * keys in, and a change shows up in a diff as the lines it touched.
 */
public final class CanonicalJson {

  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private CanonicalJson() {}

  public static String format(String json) {
    StringBuilder out = new StringBuilder();
    write(MAPPER.readTree(json), "", out);
    return out.append('\n').toString();
  }

  private static void write(JsonNode node, String indent, StringBuilder out) {
    String inner = indent + "  ";
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
      if (fields.isEmpty()) {
        out.append("{}");
        return;
      }
      fields.sort(Map.Entry.comparingByKey());
      out.append("{\n");
      for (int i = 0; i < fields.size(); i++) {
        out.append(inner).append(MAPPER.writeValueAsString(fields.get(i).getKey())).append(": ");
        write(fields.get(i).getValue(), inner, out);
        out.append(i + 1 < fields.size() ? ",\n" : "\n");
      }
      out.append(indent).append('}');
    } else if (node.isArray()) {
      if (node.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append("[\n");
      for (int i = 0; i < node.size(); i++) {
        out.append(inner);
        write(node.get(i), inner, out);
        out.append(i + 1 < node.size() ? ",\n" : "\n");
      }
      out.append(indent).append(']');
    } else {
      out.append(MAPPER.writeValueAsString(node));
    }
  }
}

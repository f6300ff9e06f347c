package io.bigfile.config;

import java.util.Objects;
import org.springframework.util.unit.DataSize;

/**
 * A memory size as configured: a size ({@code 256MB}, or a number of bytes), or {@code auto}, which
 * {@link MemoryBudget} sizes from the maximum heap. Spring binds it from text through {@link
 * #valueOf(String)}.
 *
 * @param size the configured size, or null for {@code auto}
 */
public record SizeOrAuto(DataSize size) {

  public static final SizeOrAuto AUTO = new SizeOrAuto(null);

  public SizeOrAuto {
    if (size != null && size.toBytes() < 0) {
      throw new IllegalArgumentException("a size must not be negative: " + size);
    }
  }

  /** {@code auto} (or nothing) for a size sized from the heap; else a size such as {@code 64MB}. */
  public static SizeOrAuto valueOf(String text) {
    String t = text == null ? "" : text.trim();
    if (t.isEmpty() || t.equalsIgnoreCase("auto")) {
      return AUTO;
    }
    return new SizeOrAuto(DataSize.parse(t));
  }

  /** A number of bytes, as YAML gives a size written without a unit. */
  public static SizeOrAuto valueOf(Long bytes) {
    return new SizeOrAuto(DataSize.ofBytes(bytes));
  }

  /** A number of bytes, as YAML gives a size written without a unit. */
  public static SizeOrAuto valueOf(Integer bytes) {
    return new SizeOrAuto(DataSize.ofBytes(bytes));
  }

  public boolean isAuto() {
    return size == null;
  }

  /** The configured bytes, or {@code auto} when this is {@code auto}. */
  long bytesOr(long auto) {
    return size == null ? auto : size.toBytes();
  }

  @Override
  public String toString() {
    return size == null ? "auto" : Objects.toString(size);
  }
}

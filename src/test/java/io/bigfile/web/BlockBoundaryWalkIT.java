package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every start/end pair around block edges, read as a range and compared with the bytes written, for
 * each format. The file has a hole, data to zeros, a partial last block and a chunked or whole mix.
 */
class BlockBoundaryWalkIT extends HttpTestBase {

  @ParameterizedTest
  @ValueSource(strings = {"whole", "chunked", "auto"})
  void everyRangeAroundBlockEdgesReadsBack(String format) {
    int bs = 8192;
    String id = newFile(bs, format);
    int size = 3 * bs + 100;
    byte[] expected = new byte[size];
    byte[] a = random(bs + 10, 1);
    writeAt(id, 5, a); // block 0 and into block 1
    System.arraycopy(a, 0, expected, 5, a.length);
    byte[] b = random(90, 2);
    writeAt(id, 3 * bs + 10, b); // block 3, partial; block 2 stays a hole
    System.arraycopy(b, 0, expected, 3 * bs + 10, b.length);
    writeAt(id, bs + 1, new byte[4]); // data to zeros inside a chunk
    java.util.Arrays.fill(expected, bs + 1, bs + 5, (byte) 0);
    assertThat(read(id)).hasSize(size);

    TreeSet<Integer> points = new TreeSet<>();
    for (int edge = 0; edge <= size; edge += bs) {
      for (int d = -2; d <= 2; d++) {
        int p = edge + d;
        if (p >= 0 && p < size) {
          points.add(p);
        }
      }
    }
    points.add(4096 - 1);
    points.add(4096);
    points.add(size - 1);
    List<Integer> list = new ArrayList<>(points);
    int reads = 0;
    for (int i = 0; i < list.size(); i++) {
      for (int j = i; j < list.size(); j++) {
        int first = list.get(i);
        int last = list.get(j);
        HttpResponse<byte[]> r = get(contentPath(id), "Range", "bytes=" + first + "-" + last);
        assertStatus(r, 206);
        assertThat(header(r, "Content-Range"))
            .isEqualTo("bytes " + first + "-" + last + "/" + size);
        assertBytes(r.body(), slice(expected, first, last + 1));
        reads++;
      }
    }
    assertThat(reads).isGreaterThan(100);
  }
}

package io.bigfile.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.bigfile.client.ApiClient;
import io.bigfile.client.ApiException;
import io.bigfile.client.ApiResponse;
import io.bigfile.client.api.ContentApi;
import io.bigfile.client.api.FilesApi;
import io.bigfile.client.api.TransactionsApi;
import io.bigfile.client.model.ConflictProblem;
import io.bigfile.client.model.FileInfo;
import io.bigfile.client.model.NewFile;
import io.bigfile.client.model.Problem;
import io.bigfile.client.model.Transaction;
import io.bigfile.support.PatternData;
import io.bigfile.support.SecuredServiceTestBase;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client that the build generates from {@code openapi/bigfile-openapi.json}
 * (openapi-generator, library native) does everything of the HTTP contract against the running
 * service, which needs tokens: it sends one ({@code Authorization: Bearer}, set once on the {@link
 * ApiClient}), creates a file, writes a range, reads a range, runs a transaction, and sees problems
 * as {@link ApiException}s with their status and problem body, a refused token's included.
 */
class GeneratedClientIT extends SecuredServiceTestBase {

  private static final String UNKNOWN_FILE = "7fffffffffffffff";

  @TempDir Path tmp;

  private ApiClient client;
  private FilesApi files;
  private ContentApi content;
  private TransactionsApi transactions;

  /** A client of the service that sends this bearer token with every request (none: null). */
  private ApiClient clientWith(String token) {
    ApiClient api = new ApiClient();
    api.updateBaseUri("http://localhost:" + port);
    if (token != null) {
      // library native has no auth settings of its own: every request passes this interceptor
      api.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
    }
    return api;
  }

  @BeforeEach
  void client() {
    client = clientWith(Tokens.ADMIN.token());
    files = new FilesApi(client);
    content = new ContentApi(client);
    transactions = new TransactionsApi(client);
  }

  @Test
  void createsAFileWritesARangeAndReadsARange() throws Exception {
    ApiResponse<FileInfo> created =
        files.createFileWithHttpInfo(
            null,
            null,
            new NewFile().name("client.bin").blockSize(4096).format(NewFile.FormatEnum.AUTO));
    assertThat(created.getStatusCode()).isEqualTo(201);
    FileInfo f = created.getData();
    assertThat(header(created, "Location")).isEqualTo("/v1/files/" + f.getId());
    // a create with an Idempotency-Key, retried: one file, the same answer
    String key = "\"client-" + f.getId() + "\"";
    FileInfo once = files.createFile(null, key, new NewFile().blockSize(4096));
    assertThat(files.createFile(null, key, new NewFile().blockSize(4096))).isEqualTo(once);
    assertThat(f.getSize()).isZero();
    assertThat(f.getBlockSize()).isEqualTo(4096);
    assertThat(f.getFormat()).isEqualTo(FileInfo.FormatEnum.AUTO);

    // 5000 bytes at offset 3000: across a block boundary, leaving a hole before them
    byte[] data = PatternData.bytes(41, 0, 5000);
    ApiResponse<FileInfo> written =
        content.writeContentWithHttpInfo(
            f.getId(), bodyOf(data), null, "bytes 3000-7999/*", null, null, null, null);
    assertThat(written.getStatusCode()).isEqualTo(200);
    assertThat(written.getData().getSize()).isEqualTo(8000);
    long revision = written.getData().getRevision();
    assertThat(header(written, "BigFile-Revision")).isEqualTo(Long.toString(revision));
    String etag = header(written, "ETag");
    assertThat(etag).startsWith("\"").endsWith("\"");

    ApiResponse<File> range =
        content.readContentWithHttpInfo(
            f.getId(), null, null, "bytes=3500-4599", null, null, null, null, null);
    assertThat(range.getStatusCode()).isEqualTo(206);
    assertThat(header(range, "Content-Range")).isEqualTo("bytes 3500-4599/8000");
    assertThat(header(range, "ETag")).isEqualTo(etag);
    assertThat(Files.readAllBytes(range.getData().toPath()))
        .isEqualTo(Arrays.copyOfRange(data, 500, 1600));

    ApiResponse<File> hole =
        content.readContentWithHttpInfo(
            f.getId(), null, null, "bytes=2990-3009", null, null, null, null, null);
    byte[] expected = new byte[20];
    System.arraycopy(data, 0, expected, 10, 10);
    assertThat(Files.readAllBytes(hole.getData().toPath())).isEqualTo(expected);

    // a conditional write that still holds, and the same one once the file has changed
    content.writeContent(
        f.getId(), bodyOf(new byte[] {1, 2}), null, "bytes 0-1/*", etag, null, null, null);
    ApiException stale =
        catchThrowableOfType(
            ApiException.class,
            () ->
                content.writeContent(
                    f.getId(),
                    bodyOf(new byte[] {3, 4}),
                    null,
                    "bytes 0-1/*",
                    etag,
                    null,
                    null,
                    null));
    assertThat(stale.getCode()).isEqualTo(412);
    assertThat(
            content
                .readContentWithHttpInfo(
                    f.getId(), null, revision, "bytes=0-1", null, null, null, null, null)
                .getData())
        .as("at= reads the revision before the conditional write")
        .hasBinaryContent(new byte[2]);
  }

  @Test
  void commitsATransactionAcrossTwoFiles() throws Exception {
    FileInfo a = files.createFile(null, null, new NewFile().blockSize(4096));
    FileInfo b = files.createFile(null, null, new NewFile().blockSize(4096));
    Transaction t = transactions.beginTransaction();
    assertThat(t.getState()).isEqualTo(Transaction.StateEnum.OPEN);

    content.writeContent(
        a.getId(), bodyOf(ascii("AAAA")), t.getId(), "bytes 0-3/*", null, null, null, null);
    content.writeContent(
        b.getId(), bodyOf(ascii("BBBB")), t.getId(), "bytes 0-3/*", null, null, null, null);
    assertThat(readFourBytes(a.getId(), t.getId())).isEqualTo("AAAA");
    assertThat(files.getFile(a.getId(), null, null, null, null, null, null).getSize())
        .as("others do not see the transaction's writes before it commits")
        .isZero();
    assertThat(transactions.getTransaction(t.getId()).getFilesTouched())
        .containsExactlyInAnyOrder(a.getId(), b.getId());

    ApiResponse<Transaction> committed = transactions.commitTransactionWithHttpInfo(t.getId());
    assertThat(committed.getStatusCode()).isEqualTo(200);
    assertThat(committed.getData().getState()).isEqualTo(Transaction.StateEnum.COMMITTED);
    long revision = committed.getData().getRevision();
    assertThat(header(committed, "BigFile-Revision")).isEqualTo(Long.toString(revision));
    assertThat(readFourBytes(a.getId(), null)).isEqualTo("AAAA");
    assertThat(readFourBytes(b.getId(), null)).isEqualTo("BBBB");
    assertThat(files.getFile(b.getId(), null, null, null, null, null, null).getRevision())
        .isEqualTo(revision);
  }

  @Test
  void problemsSurfaceAsApiExceptionsWithTheirStatusAndBody() throws Exception {
    ApiException missing =
        catchThrowableOfType(
            ApiException.class,
            () -> files.getFile(UNKNOWN_FILE, null, null, null, null, null, null));
    assertThat(missing.getCode()).isEqualTo(404);
    assertThat(missing.getResponseHeaders().firstValue("Content-Type"))
        .hasValue("application/problem+json");
    Problem problem = client.getObjectMapper().readValue(missing.getResponseBody(), Problem.class);
    assertThat(problem.getStatus()).isEqualTo(404);
    assertThat(problem.getTitle()).isEqualTo("Not Found");
    assertThat(problem.getDetail()).contains(UNKNOWN_FILE);

    // first committer wins: the second commit of the same block is a 409 naming file and block
    FileInfo f = files.createFile(null, null, new NewFile().blockSize(4096));
    Transaction first = transactions.beginTransaction();
    Transaction second = transactions.beginTransaction();
    for (Transaction t : List.of(first, second)) {
      content.writeContent(
          f.getId(), bodyOf(ascii("x")), t.getId(), "bytes 5-5/*", null, null, null, null);
    }
    transactions.commitTransaction(first.getId());
    ApiException conflict =
        catchThrowableOfType(
            ApiException.class, () -> transactions.commitTransaction(second.getId()));
    assertThat(conflict.getCode()).isEqualTo(409);
    ConflictProblem body =
        client.getObjectMapper().readValue(conflict.getResponseBody(), ConflictProblem.class);
    assertThat(body.getConflicts()).hasSize(1);
    assertThat(body.getConflicts().get(0).getFile()).isEqualTo(f.getId());
    assertThat(body.getConflicts().get(0).getBlocks()).containsExactly(0L);
    assertThat(transactions.getTransaction(second.getId()).getState())
        .isEqualTo(Transaction.StateEnum.ABORTED);
  }

  @Test
  void aMissingOrInsufficientTokenIsAProblemToo() throws Exception {
    ApiException none =
        catchThrowableOfType(
            ApiException.class,
            () -> new FilesApi(clientWith(null)).listFiles(null, null, null, null));
    assertThat(none.getCode()).isEqualTo(401);
    assertThat(none.getResponseHeaders().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    Problem unauthenticated =
        client.getObjectMapper().readValue(none.getResponseBody(), Problem.class);
    assertThat(unauthenticated.getType()).isEqualTo("https://bigfile.io/problems/unauthenticated");
    assertThat(unauthenticated.getStatus()).isEqualTo(401);

    FilesApi reader = new FilesApi(clientWith(Tokens.READER.token()));
    assertThat(reader.listFiles(null, null, null, null).getItems()).isNotNull();
    ApiException denied =
        catchThrowableOfType(
            ApiException.class, () -> reader.createFile(null, null, new NewFile()));
    assertThat(denied.getCode()).isEqualTo(403);
    Problem forbidden = client.getObjectMapper().readValue(denied.getResponseBody(), Problem.class);
    assertThat(forbidden.getType()).isEqualTo("https://bigfile.io/problems/forbidden");
    assertThat(forbidden.getDetail()).contains("files.write");
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The first four bytes, read with the generated client. */
  private String readFourBytes(String id, String txn) throws ApiException, IOException {
    File f = content.readContent(id, txn, null, "bytes=0-3", null, null, null, null, null);
    return Files.readString(f.toPath(), StandardCharsets.US_ASCII);
  }

  private File bodyOf(byte[] bytes) throws IOException {
    return Files.write(Files.createTempFile(tmp, "body", ".bin"), bytes).toFile();
  }

  private static String header(ApiResponse<?> r, String name) {
    for (Map.Entry<String, List<String>> e : r.getHeaders().entrySet()) {
      if (e.getKey().equalsIgnoreCase(name)) {
        return e.getValue().get(0);
      }
    }
    throw new AssertionError("no " + name + " header in " + r.getHeaders());
  }
}

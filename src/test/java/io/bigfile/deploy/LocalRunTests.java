package io.bigfile.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Node;

/** The README's run command, {@code ./mvnw spring-boot:run}, as pom.xml configures it. */
class LocalRunTests {

  /** A service out of memory exits, as in the image and the chart, instead of limping on. */
  @Test
  void springBootRunExitsOnOutOfMemoryError() throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    Document pom = f.newDocumentBuilder().parse(Path.of("pom.xml").toFile());
    Node args =
        (Node)
            XPathFactory.newInstance()
                .newXPath()
                .evaluate(
                    "/*[local-name()='project']/*[local-name()='build']/*[local-name()='plugins']"
                        + "/*[local-name()='plugin'][*[local-name()='artifactId']"
                        + "='spring-boot-maven-plugin']/*[local-name()='configuration']"
                        + "/*[local-name()='jvmArguments']",
                    pom,
                    XPathConstants.NODE);
    assertThat(args).as("jvmArguments of spring-boot-maven-plugin").isNotNull();
    assertThat(args.getTextContent().split("\\s+")).contains("-XX:+ExitOnOutOfMemoryError");
    assertThat(ShippedFiles.read(Path.of("README.md"))).contains("./mvnw spring-boot:run");
  }
}

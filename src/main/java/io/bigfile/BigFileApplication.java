package io.bigfile;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class BigFileApplication {

  public static void main(String[] args) {
    SpringApplication.run(BigFileApplication.class, args);
  }
}

package io.bigfile.postgres;

import io.bigfile.block.BlockStore;
import io.bigfile.block.BlockStoreContract;
import io.bigfile.support.Stores;

class PostgresBlockStoreIT extends BlockStoreContract {

  @Override
  protected BlockStore createStore() {
    return Stores.postgres();
  }
}

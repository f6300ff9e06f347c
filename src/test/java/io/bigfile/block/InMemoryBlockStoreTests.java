package io.bigfile.block;

import io.bigfile.support.Stores;

class InMemoryBlockStoreTests extends BlockStoreContract {

  @Override
  protected BlockStore createStore() {
    return Stores.inMemory();
  }
}

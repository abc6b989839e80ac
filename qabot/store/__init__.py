"""Where the index lives and how a generation of it is written.

``protocol``     :class:`ChunkStore` (what the retriever needs) and the ``--store`` value
``backend``      open, reuse or write the generation of the backend a ``--store`` value names
``faiss_store``  the FAISS + bm25s files in ``--index``, read side
``faiss_build``  writing and committing a FAISS generation
``milvus_store`` / ``milvus_build``  the same in Milvus (Lite or a server; extra ``milvus``)
``manifest``     what a generation was built from, with checksums (the commit point)
``lite_file``    the Milvus Lite file: one process at a time, damage found before it is opened
``checkpoint``   vectors of an unfinished build, so a killed build resumes
``embed_pool``   what a build embeds, in one or several processes

The package imports nothing itself, so ``qabot.store.protocol`` stays light.
"""

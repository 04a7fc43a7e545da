# Compiles the numbered SQL migrations into the binary, so `linli` needs no files beside it.
# Layout: src/storage/migrations/{shared,sqlite,postgres}/NNNN_name.sql — for one number, either one
# shared file or one file per dialect.
function(linli_embed_migrations dir out)
  file(GLOB_RECURSE sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIR=${dir} -DOUT=${out} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    DEPENDS ${sql_files} ${PROJECT_SOURCE_DIR}/cmake/EmbedMigrations.cmake
    COMMENT "Embedding SQL migrations")
endfunction()

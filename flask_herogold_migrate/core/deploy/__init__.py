"""The deploy kit's pieces of a run: post-deploy migrations (:mod:`.post_deploy`) and the
steps a dead process left running (:mod:`.abandoned`), which ``migrate:wait`` stops on."""

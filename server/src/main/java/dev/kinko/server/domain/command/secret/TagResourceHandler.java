package dev.kinko.server.domain.command.secret;

import dev.kinko.proto.raft.v1.TagResourceCommand;
import dev.kinko.server.domain.KinkoException;
import dev.kinko.server.domain.Limits;
import dev.kinko.server.domain.Reason;
import dev.kinko.server.domain.StateReader;
import java.util.HashMap;
import java.util.Map;

public final class TagResourceHandler extends SecretChangeHandler<TagResourceCommand> {
    public TagResourceHandler(String region) {
        super(region);
    }

    @Override
    public SecretChange check(TagResourceCommand cmd, long now, StateReader state) {
        return SecretChange.of(region, state, cmd.getSecretId(), now, record -> {
            Map<String, String> merged = new HashMap<>(record.getTagsMap());
            merged.putAll(cmd.getTagsMap());
            if (merged.size() > Limits.MAX_TAGS) {
                throw new KinkoException(Reason.TOO_MANY_TAGS,
                        "a secret may carry at most " + Limits.MAX_TAGS + " tags, this would make " + merged.size());
            }
            record.putAllTags(cmd.getTagsMap());
        });
    }
}

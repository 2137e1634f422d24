"""Our learner's keys under the names Stable-Baselines3's DQN and rl-baselines3-zoo use, and
where the meaning differs (config/README.md renders it; a test keeps an entry for every `dqn`
key, so a new learner key must say what it is called there)."""
from __future__ import annotations

# key -> (SB3 / zoo name, what differs; "" where the meaning is the same)
SB3_NAMES: dict[str, tuple[str, str]] = {
    "dqn.gamma": ("`gamma`", ""),
    "dqn.optimizer": ("`policy_kwargs.optimizer_class`", "SB3 uses Adam (`th.optim.Adam`); our default is the paper's plain "
                      "SGD, `adam` is Adam with betas 0.9, 0.999 and eps 1e-8"),
    "dqn.learning_rate": ("`learning_rate`", "a constant here (SB3 also takes a schedule)"),
    "dqn.batch_size": ("`batch_size`", ""),
    "dqn.replay_size": ("`buffer_size`", ""),
    "dqn.learning_starts": ("`learning_starts`", "environment steps of this run, as SB3's"),
    "dqn.train_freq": ("`train_freq`", "environment steps only (SB3 also takes `(n, \"episode\")`)"),
    "dqn.gradient_steps": ("`gradient_steps`", "the same, -1 included: as many updates as environment steps since the last "
                           "training step (one run per process step here, so `train_freq` of them)"),
    "dqn.target_update_steps": ("`target_update_interval`", "a hard copy w- <- w (SB3's `tau` = 1, its default)"),
    "dqn.grad_clip": ("`max_grad_norm`", "SB3 clips the global L2 norm of the gradient (default 10); here it bounds each "
                      "gradient element (the paper) unless `dqn.grad_clip_mode: global_norm`"),
    "dqn.grad_clip_mode": ("(none)", "`global_norm` is SB3's clipping (`torch.nn.utils.clip_grad_norm_`); `element` is the "
                           "paper's, which SB3 does not offer"),
    "dqn.huber_delta": ("(none)", "SB3's loss is `F.smooth_l1_loss`, the Huber loss with delta 1"),
    "dqn.terminal_on_horizon": ("`replay_buffer_kwargs.handle_timeout_termination`", "SB3 bootstraps through a time limit "
                                "(its default True is our `false`); the paper's `true` makes the horizon terminal"),
    "dqn.epsilon_start": ("`exploration_initial_eps`", ""),
    "dqn.epsilon_end": ("`exploration_final_eps`", ""),
    "dqn.epsilon_decay": ("`exploration_fraction`", "an absolute length in `protocol.unit` (episodes or steps), not a share "
                          "of the budget: exploration_fraction = epsilon_decay / budget with `protocol.unit: steps`; a "
                          "search restarts it after a switch only with `nas.exploration_after_transition: restart`"),
    "(the target)": ("(none)", "Double DQN: y = r + gamma Q_target(s', argmax_a Q_online(s', a)), always; SB3's DQN uses "
                     "y = r + gamma max_a Q_target(s', a)"),
    "protocol.budget": ("`total_timesteps` (the zoo's `n_timesteps`)", "the same with `protocol.unit: steps`"),
    "agents.NAME.architecture": ("`policy_kwargs.net_arch`, `activation_fn`", "`{layers: L, units: U, activation: a}` is "
                                 "`net_arch=[U] * L`, `activation_fn` a (`leaky_relu`: slope 0.01)"),
}

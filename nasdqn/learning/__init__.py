"""Layer 2, the learning core (torch): the Q-network (section 2.2), Double DQN and the replay memory
(2.3.1), the controllers (2.3.2), model transitions, the architecture search and the trainer that
runs Algorithm 1 for any runs in one process."""

"""Layer 2, the learning core (numpy, one OpenBLAS kernel): the Q-network (section 2.2), Double DQN
and the replay memory (2.3.1), the controllers (2.3.2), warm starts (the paper's model
transitions), the architecture search and the trainer that runs Algorithm 1 for any runs in one
process."""

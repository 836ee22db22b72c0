import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A message this app has applied. Its primary key is what makes a redelivery a no-op. */
@Entity('inbox_message')
export class InboxMessage {
  @PrimaryColumn({ name: 'message_id', type: 'varchar', length: 36 })
  messageId!: string;

  @Column({ type: 'varchar', length: 100 })
  type!: string;

  @CreateDateColumn({ name: 'received_at', type: 'timestamp' })
  receivedAt!: Date;
}
